// Per-request facts the shell gathers once: the parsed request, its id, when it started and
// which POP serves it, the backend requests it may still make, and the cache it works against.

import { env } from "fastly:env";
import type { ServedBy } from "../cache/cache-status.js";
import type { CacheStore } from "../cache/store.js";
import { computeLimits } from "../config/limits.js";
import type { ToOrigin } from "../decision.js";
import { edgeRequestFrom, type EdgeRequest } from "../edge-request.js";
import { BackendBudget } from "../http/backend-budget.js";
import { headersComplete } from "../http/header-limit.js";
import { requestIdFor } from "../http/request-id.js";
import { coreStore } from "./core-store.js";
import { fetchFromOrigin, type OriginFetchOptions } from "./origin-fetch.js";
import { Tiering } from "./shield.js";

export interface RequestContext {
  readonly event: FetchEvent;
  readonly req: EdgeRequest;
  readonly requestId: string;
  /** Date.now() when the request arrived. */
  readonly startedAt: number;
  /** performance.now() when the request arrived: elapsed times in microseconds. */
  readonly startedAtMonotonic: number;
  readonly servedBy: ServedBy;
  /** False when the platform could not list the client's headers (src/http/header-limit.ts). */
  readonly headersComplete: boolean;
  /** The backend requests this execution may still make; only src/edge/origin-fetch.ts takes. */
  readonly backends: BackendBudget;
  /** Which tier this execution is, and what the other tier said (src/edge/shield.ts). */
  readonly tier: Tiering;
  /**
   * The cache src/edge/cached.ts works against: Core Cache here, a MemoryStore in unit tests,
   * which can then drive the engine in Node (issue 12).
   */
  readonly store: CacheStore;
  /**
   * One request to an origin, as the retry makes it (src/edge/origin-retry.ts): fetchFromOrigin
   * here, a fake in unit tests of the engine, which cannot load the `fastly:*` it imports.
   */
  readonly origin: (decision: Pick<ToOrigin, "origin" | "originPath">, options?: OriginFetchOptions) => Promise<Response>;
}

export function contextFor(event: FetchEvent): RequestContext {
  // Asked for alone first: this read works even when listing every header does not.
  const hostAlone = event.request.headers.get("host");
  const req = edgeRequestFrom(event.request, event.client.address);
  const ctx: RequestContext = {
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
