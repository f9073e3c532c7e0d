// Per-request facts the shell gathers once, on Compute: the parsed request, its id, when it
// started and which POP serves it, the backend requests it may still make, the tier, Core Cache
// and the origin client. The engine sees it as src/engine/context.ts's RequestContext.

import { env } from "fastly:env";
import { computeLimits } from "../config/limits.js";
import { edgeRequestFrom } from "../edge-request.js";
import type { RequestContext } from "../engine/context.js";
import { BackendBudget } from "../http/backend-budget.js";
import { headersComplete } from "../http/header-limit.js";
import { requestIdFor } from "../http/request-id.js";
import { coreStore } from "./core-store.js";
import { fetchFromOrigin } from "./origin-fetch.js";
import { Tiering } from "./shield.js";

/** The engine's context, with what only the platform shell uses: the event and the shield. */
export interface EdgeContext extends RequestContext {
  readonly event: FetchEvent;
  readonly tier: Tiering;
}

export function contextFor(event: FetchEvent): EdgeContext {
  // Asked for alone first: this read works even when listing every header does not.
  const hostAlone = event.request.headers.get("host");
  const req = edgeRequestFrom(event.request, event.client.address);
  const ctx: EdgeContext = {
    event,
    req,
    headersComplete: headersComplete(hostAlone, req.headers),
    requestId: requestIdFor(req.headers, () => crypto.randomUUID()),
    startedAt: Date.now(),
    startedAtMonotonic: performance.now(),
    backends: new BackendBudget(computeLimits.backendRequests),
    tier: Tiering.here(),
    store: coreStore,
    origin: (decision, options) => fetchFromOrigin(ctx, decision, options),
    servedBy: {
      pop: env("FASTLY_POP") || "local",
      region: env("FASTLY_REGION") || "local",
      hostname: env("FASTLY_HOSTNAME") || "localhost",
    },
  };
  return ctx;
}
