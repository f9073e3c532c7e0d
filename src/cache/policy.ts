// The edge cache policy: whether an origin response may be stored, for how long it is fresh,
// how long after that it may be served while revalidating or when the origin fails, and which
// phase a cached copy of a given age is in. Pure: the shell supplies status, headers and age.

import { cacheTimes, type CacheTimes } from "../config/cache-times.js";
import type { OriginName } from "../config/origins.js";
import { originSurrogateKeys } from "./surrogate-keys.js";
import { varyOf } from "./vary.js";

export type StoreDecision =
  | {
      readonly store: true;
      readonly times: CacheTimes;
      /** The origin's own Surrogate-Key values (the URL key is added by the caller). */
      readonly surrogateKeys: readonly string[];
    }
  | { readonly store: false; readonly reason: string };

/**
 * Statuses stored at all: those RFC 9111 §4.2.2 calls heuristically cacheable, less the ones a
 * site never wants pinned at the edge (501), plus 302 only when the origin says so explicitly.
 * 206 is never stored whole: partial bodies live in the segmented asset store.
 */
const storableStatuses = new Set([200, 203, 204, 300, 301, 308, 404, 405, 410, 414]);

function directives(header: string | null): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of (header ?? "").split(",")) {
    const [rawName, ...rest] = part.split("=");
    const name = rawName?.trim().toLowerCase();
    if (name) found.set(name, rest.join("=").trim().replace(/^"|"$/g, ""));
  }
  return found;
}

function seconds(value: string | undefined): number | null {
  if (value === undefined || !/^\d+$/.test(value)) return null;
  return Math.min(Number(value), 365 * 24 * 3600);
}

/**
 * Whether a response from `origin` may be stored, and for how long. Never stored: 5xx,
 * Set-Cookie, `Vary: *`, Cache-Control private/no-store/no-cache (RFC 9111 §5.2.2),
 * Surrogate-Control no-store. Surrogate-Control max-age overrides the origin's fresh time, and its
 * stale-while-revalidate / stale-if-error (RFC 5861) the stale windows, as Fastly honours them;
 * browser-facing Cache-Control does not change the edge's times (it passes through to clients).
 */
export function storePolicy(origin: OriginName, status: number, headers: Headers): StoreDecision {
  if (status >= 500) return { store: false, reason: "status-5xx" };
  if (!storableStatuses.has(status)) return { store: false, reason: `status-${status}` };
  if (headers.has("set-cookie")) return { store: false, reason: "set-cookie" };
  // RFC 9111 §4.1: `Vary: *` matches no later request, so storing it would only evict.
  if (varyOf(headers).kind === "star") return { store: false, reason: "vary-star" };
  const cc = directives(headers.get("cache-control"));
  for (const refusal of ["private", "no-store", "no-cache"]) {
    if (cc.has(refusal)) return { store: false, reason: `cache-control-${refusal}` };
  }
  const sc = directives(headers.get("surrogate-control"));
  if (sc.has("no-store")) return { store: false, reason: "surrogate-control-no-store" };
  const base = cacheTimes[origin];
  const times: CacheTimes = {
    fresh: seconds(sc.get("max-age")) ?? base.fresh,
    staleWhileRevalidate: seconds(sc.get("stale-while-revalidate")) ?? base.staleWhileRevalidate,
    staleIfError: seconds(sc.get("stale-if-error")) ?? base.staleIfError,
  };
  return { store: true, times, surrogateKeys: originSurrogateKeys(headers.get("surrogate-key")) };
}

/**
 * Whether a body can be checked for completeness before it is kept: by a declared Content-Length
 * (RFC 9112 §6.3), or because the status carries no body. The runtime reports an origin
 * connection that broke off mid-body as a normal end of the body, chunked or not (seen under
 * Viceroy with js-compute 3.46, which reads the body in the guest), so a body of unknown length
 * that was cut could only be stored as if it were whole. Such a body is passed, never stored.
 */
export function lengthVerifiable(status: number, headers: Headers): boolean {
  if (status === 204 || status === 304) return true;
  const length = headers.get("content-length");
  return length !== null && /^\d{1,15}$/.test(length.trim());
}

/**
 * - `fresh`: serve from cache;
 * - `stale-while-revalidate`: serve from cache at once, refresh in the background;
 * - `stale-if-error`: refresh first; serve the cached copy only if the origin fails;
 * - `expired`: too old to serve at all.
 */
export type Freshness = "fresh" | "stale-while-revalidate" | "stale-if-error" | "expired";

export function freshnessOf(ageSeconds: number, times: CacheTimes): Freshness {
  if (ageSeconds < times.fresh) return "fresh";
  if (ageSeconds < times.fresh + times.staleWhileRevalidate) return "stale-while-revalidate";
  if (ageSeconds < times.fresh + Math.max(times.staleWhileRevalidate, times.staleIfError)) return "stale-if-error";
  return "expired";
}

/**
 * How long Core Cache must keep an object usable: past its fresh time for as long as either
 * stale window lasts, since Core Cache knows only one stale period and the edge tells the two
 * apart itself with freshnessOf.
 */
export function retention(times: CacheTimes): { maxAgeMs: number; staleMs: number } {
  return {
    maxAgeMs: times.fresh * 1000,
    staleMs: Math.max(times.staleWhileRevalidate, times.staleIfError) * 1000,
  };
}

/** Response headers that configure the edge, hidden from clients unless they ask (Fastly-Debug). */
export const edgeControlHeaders = ["surrogate-key", "surrogate-control"] as const;
