// Rule 8: cookies mean a visitor may be signed in. On the app host such a request goes to the
// app and is never cached, whatever its path; on the assets host cookies mean nothing (R2 public
// buckets ignore them), so they are dropped before the cache lookup and never sent, and every
// visitor shares the cached copy.

import type { Site } from "../config/hosts.js";
import type { Decision } from "../decision.js";
import type { EdgeRequest } from "../edge-request.js";

/** Whether a client's Cookie header may be forwarded to the origin of `site`. */
export function cookiesReachOrigin(site: Site): boolean {
  return site !== "assets";
}

/** An empty Cookie header carries no cookie. */
export function hasCookies(headers: Headers): boolean {
  return (headers.get("cookie") ?? "").trim() !== "";
}

export function cookiePass(req: EdgeRequest): Decision | null {
  if (req.site !== "app" || !hasCookies(req.headers)) return null;
  return { kind: "origin", origin: "app", originPath: req.path + req.query, cache: null, passReason: "cookie" };
}
