// Rule 4: `PURGE <url>` names a public URL to evict. The key is the one the same URL is cached
// under for GET (origin-routing.ts), so a purge of `/podcast/feed/?x=1` evicts what
// `/podcast/feed` serves. Whether the request may purge (the Purge-Token) is checked by the
// shell (src/edge/purge.ts), because the token lives in a secret store.

import type { Purge } from "../decision.js";
import { publicHost, type EdgeRequest } from "../edge-request.js";
import { httpsUrl } from "../http/redirect.js";
import { routeFor } from "./origin-routing.js";

export function purgeRule(req: EdgeRequest): Purge | null {
  if (req.method !== "PURGE") return null;
  return {
    kind: "purge",
    url: httpsUrl(publicHost(req), req.path + req.query),
    surrogateKey: routeFor(req).placement.surrogateKey,
  };
}
