// PURGE of a public URL (rule 4). Issue 4 implements the token check and the surrogate-key
// purge; until then every purge is refused.

import { edgeAnswer } from "../cache/outcome.js";
import type { Purge } from "../decision.js";
import type { RequestContext } from "./context.js";
import type { Served } from "./served.js";

export async function purge(_ctx: RequestContext, _decision: Purge): Promise<Served> {
  return {
    response: new Response("PURGE is not available yet.\n", { status: 401, headers: { "content-type": "text/plain" } }),
    cache: edgeAnswer,
  };
}
