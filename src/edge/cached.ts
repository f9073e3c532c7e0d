// Cacheable requests to the app, feeds and nightly origins, through the edge cache.
// (Issue 4 builds the Core Cache layer here; until then every request goes to the origin.)

import type { ToOrigin, CachePlacement } from "../decision.js";
import type { RequestContext } from "./context.js";
import { passToOrigin } from "./pass.js";
import type { Served } from "./served.js";

export async function serveCached(
  ctx: RequestContext,
  decision: ToOrigin & { cache: CachePlacement },
): Promise<Served> {
  const served = await passToOrigin(ctx, decision);
  return { ...served, cache: { state: "miss", fwd: "uri-miss", origin: decision.origin } };
}
