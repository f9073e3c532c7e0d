// Rule 3: `www.<host>` of each site is an alias: a permanent redirect to the same URL without `www.`.

import type { Decision } from "../decision.js";
import { isServedHost, type EdgeRequest } from "../edge-request.js";
import { httpsUrl, redirect } from "../http/redirect.js";

const prefix = "www.";

/**
 * The host a www alias stands for, or null when `host` is not the www alias of a name the edge
 * serves. Other www hosts are served as the app like any other unknown host: a redirect never
 * names a host the client made up (no open redirect through Host).
 */
export function hostWithoutWww(host: string): string | null {
  if (!host.startsWith(prefix)) return null;
  const bare = host.slice(prefix.length);
  return isServedHost(bare) && !bare.startsWith(prefix) ? bare : null;
}

export function www(req: EdgeRequest): Decision | null {
  const bare = hostWithoutWww(req.host);
  return bare === null ? null : redirect(301, httpsUrl(bare, req.path + req.query), "www");
}
