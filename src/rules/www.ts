// Rule 3: `www.<host>` is an alias: a permanent redirect to the same URL without `www.`.

import type { Decision } from "../decision.js";
import { isValidHost, type EdgeRequest } from "../edge-request.js";
import { httpsUrl, redirect } from "../http/redirect.js";

const prefix = "www.";

/** The host a www alias stands for, or null when `host` is not a www alias of a valid host. */
export function hostWithoutWww(host: string): string | null {
  if (!host.startsWith(prefix)) return null;
  const bare = host.slice(prefix.length);
  return isValidHost(bare) && bare.includes(".") ? bare : null;
}

export function www(req: EdgeRequest): Decision | null {
  const bare = hostWithoutWww(req.host);
  return bare === null ? null : redirect(301, httpsUrl(bare, req.path + req.query), "www");
}
