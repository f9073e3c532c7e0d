// What the cache engine knows of the request it serves and the platform it runs on: the parsed
// request, its id and start, the POP, the backend budget, the tier, the cache store and the one
// origin client. Types only: src/edge/context.ts builds it on Compute, the engine's unit tests
// build it with a MemoryStore and a fake origin, so everything under src/engine/ runs in Node.

import type { ServedBy } from "../cache/cache-status.js";
import type { CacheStore } from "../cache/store.js";
import type { TierState } from "../cache/tiers.js";
import type { ToOrigin } from "../decision.js";
import type { EdgeRequest } from "../edge-request.js";
import type { BackendBudget } from "../http/backend-budget.js";

/** How Fastly's readthrough HTTP cache keeps one origin answer (a CacheOverride on Compute). */
export interface Readthrough {
  /** Seconds fresh. */
  readonly ttl: number;
  /** Seconds served stale while the HTTP cache revalidates. */
  readonly swr: number;
  readonly surrogateKeys: readonly string[];
}

export interface OriginFetchOptions {
  readonly method?: string;
  /** Headers set on top of the forwarded client headers (Range, If-None-Match…). */
  readonly headers?: Record<string, string>;
  /** Client headers that must not reach the origin for this fetch (Range, conditionals…). */
  readonly drop?: readonly string[];
  readonly body?: ReadableStream | null;
  /**
   * Kept by Fastly's readthrough HTTP cache with these times; passed by it when absent (the edge
   * keeps its own cache in Core Cache). Whole objects larger than a store answer use it
   * (src/engine/assets.ts).
   */
  readonly readthrough?: Readthrough;
  /** A pass or health probe: straight to the origin even where the origin is shielded. */
  readonly pass?: boolean;
}

/** One request to an origin (or its shield), taken from the execution's budget. */
export type OriginClient = (decision: Pick<ToOrigin, "origin" | "originPath">, options?: OriginFetchOptions) => Promise<Response>;

export interface RequestContext {
  /** `waitUntil` for work that outlives the response (refreshes, fills, verifications). */
  readonly event: { waitUntil(work: Promise<unknown>): void; readonly request: Request };
  readonly req: EdgeRequest;
  readonly requestId: string;
  /** Date.now() when the request arrived. */
  readonly startedAt: number;
  /** performance.now() when the request arrived: elapsed times in microseconds. */
  readonly startedAtMonotonic: number;
  readonly servedBy: ServedBy;
  /** False when the platform could not list the client's headers (src/http/header-limit.ts). */
  readonly headersComplete: boolean;
  /** The backend requests this execution may still make; only the origin client takes. */
  readonly backends: BackendBudget;
  /** Which tier this execution is, and what the other tier said. */
  readonly tier: TierState;
  /** Core Cache on Compute (src/edge/core-store.ts), a MemoryStore in unit tests. */
  readonly store: CacheStore;
  /** fetchFromOrigin on Compute (src/edge/origin-fetch.ts), a fake in unit tests. */
  readonly origin: OriginClient;
}
