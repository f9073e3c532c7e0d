// Every assets-host object (stylesheets, images, every mp3): byte ranges served from the edge
// cache. (Issue 5 builds the segmented store here; until then it is the ordinary cache path.)

import type { CachePlacement, ToOrigin } from "../decision.js";
import { serveCached } from "./cached.js";
import type { RequestContext } from "./context.js";
import type { Served } from "./served.js";

export function serveAsset(ctx: RequestContext, decision: ToOrigin & { cache: CachePlacement }): Promise<Served> {
  return serveCached(ctx, decision);
}
