// Rule 4: `PURGE <url>` names the public URL whose cached objects go. The surrogate key is the
// one the same URL is cached under for GET, so a feed path with a trailing slash or a query
// purges the same objects. Whether the token is right is the shell's business (Secret Store).

import type { Decision } from "../decision.js";
import type { EdgeRequest } from "../edge-request.js";
import { originRouting } from "./origin-routing.js";

export function purgeRule(req: EdgeRequest): Decision | null {
  if (req.method !== "PURGE") return null;
  const asGet = originRouting({ ...req, method: "GET" });
  const surrogateKey = asGet.cache?.surrogateKey;
  if (!surrogateKey) return null;
  return { kind: "purge", surrogateKey, url: `https://${req.host}${req.path}${req.query}` };
}
