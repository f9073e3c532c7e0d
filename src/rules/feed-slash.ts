// Rule 12, the slash form: an app-host feed path written with a trailing slash
// (`/podcast/feed/`, `/feeds/<name>/`) is answered by the edge with a `301` to the canonical path,
// query kept. The app's subscriber importer groups the feed log's URLs by `/<slug>/feed` and
// `/feeds/<slug>` only, so a client that keeps asking for the slash form would never be counted;
// a permanent redirect makes podcast clients update the subscription (RFC 9110 §15.4.2), and the
// request after it is counted. The 301 itself still gets its feed line (logs/destinations.ts).
// GET and HEAD only: other methods are no subscription and keep their route (RFC 9110 §15.4.2
// lets a client turn a redirected POST into a GET).

import type { Decision } from "../decision.js";
import { publicHost, type EdgeRequest } from "../edge-request.js";
import { httpsUrl, redirect } from "../http/redirect.js";
import { feedPathFor } from "./origin-routing.js";

export function feedSlashRedirect(req: EdgeRequest): Decision | null {
  if (req.site !== "app" || (req.method !== "GET" && req.method !== "HEAD")) return null;
  if (!req.path.endsWith("/")) return null;
  const feed = feedPathFor(req.path);
  if (!feed || feed.canonical === req.path) return null;
  return redirect(301, httpsUrl(publicHost(req), feed.canonical + req.query), "feed-slash", "html");
}
