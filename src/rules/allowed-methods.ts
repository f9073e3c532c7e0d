// Rule 6: the assets and nightly sites are read-only. Any other method is answered 405 by the
// edge with the exact `Allow` list (RFC 9110 §15.5.6: a 405 MUST carry Allow), and nothing of
// the request reaches an origin.

import { allowedMethods } from "../config/allowed-methods.js";
import type { Site } from "../config/hosts.js";
import { synthetic, type Decision } from "../decision.js";
import type { EdgeRequest } from "../edge-request.js";

const allowedBySite: ReadonlyMap<Site, ReadonlySet<string>> = new Map(
  Object.entries(allowedMethods).map(([site, methods]) => [site as Site, new Set(methods)]),
);
const allowHeader: ReadonlyMap<Site, string> = new Map(
  Object.entries(allowedMethods).map(([site, methods]) => [site as Site, methods.join(", ")]),
);

export function allowedMethod(req: EdgeRequest): Decision | null {
  const allowed = allowedBySite.get(req.site);
  if (!allowed || allowed.has(req.method)) return null;
  const allow = allowHeader.get(req.site)!;
  return synthetic(
    405,
    "method-not-allowed",
    { allow, "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
    `Method Not Allowed: this site accepts ${allow}.\n`,
  );
}
