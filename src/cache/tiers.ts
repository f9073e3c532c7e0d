// The two cache tiers (issue 15), as plain decisions: whether a request to an origin goes through
// the shield POP, at what size a POP cuts an object it fills from the shield, what the shield
// tells a POP about how long to keep an answer, and how the cache headers of both tiers are
// joined on the answer to the client. The platform side (fastly:shielding, the token) is
// src/edge/shield.ts; docs/caching.md "Two tiers".

import type { CacheTimes } from "../config/cache-times.js";
import type { OriginName } from "../config/origins.js";
import { shieldedOrigins } from "../config/shielding.js";
import { writtenBodyBytes } from "./asset-delivery.js";
import { segmentBytes } from "./segments.js";

/** Where this execution runs, as far as shielding goes. */
export type TierRole =
  /** A POP that is not the shield: shielded origins are reached through the shield. */
  | "edge"
  /** The shield POP (or a POP Fastly treats as it), or shielding is off: origins directly. */
  | "shield"
  /** No shield could be set up (unknown name, no token): origins directly, like one tier. */
  | "single";

/** What one execution knows of the tiers so far (src/edge/shield.ts fills it in). */
export interface TierState {
  readonly role: TierRole;
  /** An earlier request of this execution could not reach the shield. */
  readonly shieldDown: boolean;
  /** This request came from a POP of this service (its shield token). */
  readonly fromPop: boolean;
}

export interface ShieldRouteQuestion extends TierState {
  readonly origin: OriginName;
  readonly method: string;
  /** A pass (never cached) or a health probe: the shield could not keep it either. */
  readonly pass: boolean;
}

/**
 * Whether one origin request goes to the shield: from a POP, for a shielded origin, a cacheable
 * GET or HEAD, while the shield answers. After a connection failure to the shield the execution
 * goes to the origin itself, as the VCL service fell back to the origin when its shield backend
 * was unhealthy: a listener is served either way.
 */
export function goesThroughShield(q: ShieldRouteQuestion): boolean {
  // A request a POP already sent through the shield is never sent on again, even where the
  // platform says this is not the shield (Fastly may route shield traffic to a neighbouring
  // POP): one hop at most, never a loop.
  if (q.fromPop) return false;
  if (q.role !== "edge" || q.pass || q.shieldDown) return false;
  if (q.method !== "GET" && q.method !== "HEAD") return false;
  return shieldedOrigins[q.origin];
}

/** Whether this execution's next request to `origin` would go through the shield. */
export function throughShield(tier: TierState, origin: OriginName, method = "GET", pass = false): boolean {
  return goesThroughShield({ role: tier.role, shieldDown: tier.shieldDown, fromPop: tier.fromPop, origin, method, pass });
}

/**
 * The size a POP cuts an assets object into. Through the shield, one segment is what one shield
 * answer may carry: the shield writes every body from its store through JavaScript, bounded to
 * `writtenBodyBytes` like every answer (src/cache/asset-delivery.ts, docs/mp3.md), so a POP
 * segment of that size is one shield request, which the shield answers from one of its own
 * `segmentBytes` segments (a `writtenBodyBytes`-aligned range never straddles two). Filling
 * from the origin, `segmentBytes`.
 */
export function segmentSizeFor(throughShield: boolean): number {
  return throughShield ? Math.min(writtenBodyBytes, segmentBytes) : segmentBytes;
}

/**
 * What the shield says to a POP about how long to keep its answer: the times the shield keeps
 * its own copy under, as Surrogate-Control (which the POP's policy reads first, src/cache/policy.ts),
 * so both tiers keep an object as long as the origin or the edge's table asked. The answer's
 * Age then makes the POP's copy exactly as old as the shield's, and staleness stays bounded as
 * on one tier (src/config/cache-times.ts, `stalenessBound`).
 */
export function tierSurrogateControl(times: CacheTimes): string {
  const whole = (n: number) => Math.max(0, Math.floor(n));
  return `max-age=${whole(times.fresh)}, stale-while-revalidate=${whole(times.staleWhileRevalidate)}, stale-if-error=${whole(times.staleIfError)}`;
}

/** The shield's own cache headers on the answer it gave a POP for this request. */
export interface UpstreamCacheHeaders {
  readonly cacheStatus: string | null;
  readonly servedBy: string | null;
  readonly xCache: string | null;
}

export function upstreamCacheHeaders(headers: Headers): UpstreamCacheHeaders {
  return { cacheStatus: headers.get("cache-status"), servedBy: headers.get("x-served-by"), xCache: headers.get("x-cache") };
}

/**
 * The client's cache headers when the shield handled this request too: RFC 9211 §2 lists one
 * Cache-Status entry per cache, the one closest to the origin first and this POP's last; Fastly
 * lists X-Served-By and X-Cache the same way (shield, then edge). X-Cache-Hits and Age stay this
 * POP's: its copy's count, and an age that already includes the shield's (the shield's Age
 * became the copy's initial age).
 */
export function chainedCacheHeaders(upstream: UpstreamCacheHeaders | null, ours: Readonly<Record<string, string>>): Record<string, string> {
  const chained = { ...ours };
  if (!upstream) return chained;
  const join = (theirs: string | null, mine: string | undefined) => (theirs && mine ? `${theirs}, ${mine}` : mine);
  const status = join(upstream.cacheStatus, ours["cache-status"]);
  const servedBy = join(upstream.servedBy, ours["x-served-by"]);
  const xCache = join(upstream.xCache, ours["x-cache"]);
  if (status !== undefined) chained["cache-status"] = status;
  if (servedBy !== undefined) chained["x-served-by"] = servedBy;
  if (xCache !== undefined) chained["x-cache"] = xCache;
  return chained;
}
