// Every assets-host object (stylesheets, images, every mp3). Issue 5 builds the segmented
// range store here; until it lands, assets pass through to R2 with the client's Range, which
// keeps ranges exact but uncached.

import type { CachePlacement, ToOrigin } from "../decision.js";
import type { RequestContext } from "./context.js";
import { passToOrigin } from "./pass.js";
import type { Served } from "./served.js";

export function serveAsset(ctx: RequestContext, decision: ToOrigin & { cache: CachePlacement }): Promise<Served> {
  return passToOrigin(ctx, { ...decision, passReason: "segmented-store-pending" });
}
