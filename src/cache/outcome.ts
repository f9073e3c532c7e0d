// What the cache did for one response: the single value that Cache-Status, X-Cache, Age and
// the request log are all derived from.

import type { OriginName } from "../config/origins.js";

/**
 * - `hit`: served from the edge cache, fresh;
 * - `stale`: served from the edge cache past its fresh time (while revalidating, or because the
 *   origin failed);
 * - `miss`: fetched from the origin because the cache had no usable copy;
 * - `pass`: fetched from the origin, never cacheable (cookies, methods, health probes);
 * - `edge`: answered by the edge itself (health, redirects, refusals, purge).
 */
export type CacheState = "hit" | "stale" | "miss" | "pass" | "edge";

/**
 * RFC 9211 §2.2's reasons this edge gives: `partial` when some segments of an answer were cached
 * and the rest had to be fetched.
 */
export type ForwardReason = "uri-miss" | "stale" | "bypass" | "method" | "request" | "miss" | "partial";

export interface CacheOutcome {
  readonly state: CacheState;
  readonly fwd?: ForwardReason;
  /** The response was written to the cache on the way through. */
  readonly stored?: boolean;
  /** Seconds the served copy stays fresh (negative when stale). */
  readonly ttl?: number;
  /** Seconds since the served copy left the origin. */
  readonly age?: number;
  /** How many times the cached copy had been served before this one. */
  readonly hits?: number;
  readonly origin?: OriginName;
  /** A short extra note for Cache-Status detail: "stale-if-error", "revalidating", "purge"… */
  readonly note?: string;
}

export const edgeAnswer: CacheOutcome = { state: "edge" };

export function passOutcome(origin: OriginName, fwd: ForwardReason = "bypass", note?: string): CacheOutcome {
  return note ? { state: "pass", fwd, origin, note } : { state: "pass", fwd, origin };
}
