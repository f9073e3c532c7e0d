// Rule 5: legacy Changelog News mp3 paths, on any host and for any method, are permanently
// redirected to their new object on the assets host, the query string kept. 308 rather than 301
// so a client repeats the same method (RFC 9110 §15.4.9). One map lookup, built once.

import { siteHosts } from "../config/hosts.js";
import { newsRedirects as table } from "../config/news-redirects.js";
import type { Decision } from "../decision.js";
import type { EdgeRequest } from "../edge-request.js";
import { httpsUrl, redirect } from "../http/redirect.js";

const newPaths: ReadonlyMap<string, string> = new Map(Object.entries(table));

export function newsRedirect(req: EdgeRequest): Decision | null {
  const target = newPaths.get(req.path);
  return target === undefined ? null : redirect(308, httpsUrl(siteHosts.assets, target + req.query), "news-mp3");
}
