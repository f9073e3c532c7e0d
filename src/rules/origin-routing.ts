// Rules 12–14, the fall-through: which origin serves a request no earlier rule answered, what
// path it is sent as, and what it is cached under. Feed paths of the app host go to the feeds
// bucket; the assets and feeds buckets ignore the query string (podcast apps and feed readers
// append trackers and cache-busters), so it is neither sent nor part of the key.

import { feedObjects, feedsPrefix } from "../config/feeds.js";
import { siteHosts } from "../config/hosts.js";
import type { ToOrigin } from "../decision.js";
import type { EdgeRequest } from "../edge-request.js";

const feedTable: ReadonlyMap<string, string> = new Map(Object.entries(feedObjects));

/** The feeds-bucket object for an app-host path, or null when the path is not a feed. */
export function feedObjectFor(path: string): string | null {
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  const mapped = feedTable.get(trimmed);
  if (mapped) return mapped;
  if (trimmed.startsWith(feedsPrefix)) {
    const name = trimmed.slice(feedsPrefix.length);
    if (name !== "" && !name.includes("/")) return `/${name}.xml`;
  }
  return null;
}

function cacheable(req: EdgeRequest): boolean {
  return req.method === "GET" || req.method === "HEAD";
}

export function originRouting(req: EdgeRequest): ToOrigin {
  const passReason = cacheable(req) ? undefined : "method";
  if (req.site === "assets") {
    return route("assets", req.path, `${siteHosts.assets}${req.path}`, passReason);
  }
  if (req.site === "nightly") {
    return route("nightly", req.path + req.query, `${siteHosts.nightly}${req.path}${req.query}`, passReason);
  }
  const feed = feedObjectFor(req.path);
  if (feed) {
    return route("feeds", feed, `${siteHosts.app}${req.path}`, passReason);
  }
  return route("app", req.path + req.query, `${siteHosts.app}${req.path}${req.query}`, passReason);
}

function route(
  origin: ToOrigin["origin"],
  originPath: string,
  key: string,
  passReason: string | undefined,
): ToOrigin {
  return passReason
    ? { kind: "origin", origin, originPath, cacheKey: null, passReason }
    : { kind: "origin", origin, originPath, cacheKey: key };
}
