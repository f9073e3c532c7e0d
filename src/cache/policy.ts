// The edge cache policy: whether an origin response may be stored, for how long it is fresh,
// how long after that it may be served while revalidating or when the origin fails, and which
// phase a cached copy of a given age is in. Pure: the shell supplies status, headers and age.

import { cacheTimes, type CacheTimes } from "../config/cache-times.js";
import { writtenBodyBytes } from "./asset-delivery.js";
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
 * How a body is known to be whole before a stored copy of it is served again:
 * - `no-body`: the status carries none (204, 304);
 * - `declared-length`: a Content-Length (RFC 9112 §6.3) the edge counts the bytes against as it
 *   copies them into the cache;
 * - `chunked`: chunked framing (the last transfer coding, which takes precedence over any
 *   Content-Length, §6.3): only its last chunk says it is whole, and only the host sees it. The
 *   runtime reports an origin connection that broke off mid-body as a normal end of the body to
 *   JavaScript (chunked or not; Viceroy 0.22.0, js-compute 3.46), so the body is appended to
 *   the cache insert on the host, which fails the insert when the framing broke, and the stored
 *   entry is read back (`readBackVerdict`);
 * - `unverifiable`: no length and no chunked framing (a body delimited by the connection's
 *   close, where a cut looks like the end to the host as well, or a transfer coding other than
 *   chunked last): passed, never stored (`length-unknown`).
 */
export type BodyCheck = "no-body" | "declared-length" | "chunked" | "unverifiable";

export function bodyCheck(status: number, headers: Headers): BodyCheck {
  if (status === 204 || status === 304) return "no-body";
  const codings = headers.get("transfer-encoding");
  if (codings !== null) {
    const last = codings.split(",").map((c) => c.trim().toLowerCase()).filter(Boolean).at(-1);
    return last === "chunked" ? "chunked" : "unverifiable";
  }
  const length = headers.get("content-length");
  return length !== null && /^\d{1,15}$/.test(length.trim()) ? "declared-length" : "unverifiable";
}

/**
 * Where a storable body is kept. js-compute 3.46 reads every Core Cache body through JavaScript
 * (docs/mp3.md, "Bytes through JavaScript"), so an answer out of Core Cache writes at most
 * `writtenBodyBytes` (src/cache/asset-delivery.ts) like every answer of the assets route; a body
 * of declared length over that is kept by Fastly's readthrough HTTP cache instead, whose bodies
 * leave on the host, and Core Cache keeps only a marker saying so (`http-cache`). A chunked body
 * is not known to be large before it has been read: one longer than `chunkedReadBackLimit`
 * (the same 1 MiB) is evicted unchecked.
 */
export function bodyHome(check: BodyCheck, headers: Headers): "core-cache" | "http-cache" {
  if (check !== "declared-length") return "core-cache";
  return Number(headers.get("content-length")!.trim()) > writtenBodyBytes ? "http-cache" : "core-cache";
}

/**
 * The most of a chunked body a read-back reads (pages are far smaller). Every byte read out of
 * Core Cache crosses JavaScript (docs/mp3.md), so a body longer than this is not kept: checking
 * it would cost the execution as much vCPU again as serving it.
 */
export const chunkedReadBackLimit = 1024 * 1024;

/**
 * What a fresh lookup of the key finds once a body has ended: one of the edge's entries and its
 * length (null when the cache does not know it), or null when there is none of the edge's
 * (nothing, an eviction's tombstone, a foreign entry).
 */
export type Afterwards = { readonly length: number | null } | null;

/**
 * Whether the entry a reader got `bytes` out of was whole: an entry whose body has ended has a
 * known length when its insert completed (Fastly documents the length of a fully cached item as
 * known; Viceroy reports it once the insert is complete), and it must be the length read.
 * Viceroy keeps an insert that failed (its source broke off) in an error state without a
 * length, and its body ends early like a whole one; production is documented to drop such an
 * insert, so nothing is found. Either is a cut.
 */
export function endVerdict(bytes: number, after: Afterwards): "whole" | "cut" {
  return after !== null && after.length === bytes ? "whole" : "cut";
}

/** What the read-back of an entry of unknown length saw. */
export interface ReadBack {
  /** Whether the first lookup found one of the edge's entries to read. */
  readonly seen: boolean;
  /** How the read stopped: a normal end, a failed read, or `chunkedReadBackLimit` reached. */
  readonly ended: "end" | "failed" | "limit";
  /** Bytes read. */
  readonly bytes: number;
  /** A fresh lookup after the read stopped. */
  readonly after: Afterwards;
}

/**
 * - `whole`: kept;
 * - `cut`: evicted (the insert failed, the read failed, or the entry does not hold the bytes read);
 * - `too-long`: evicted, unchecked (over `chunkedReadBackLimit`);
 * - `unseen`: the lookup found nothing of the edge's to read (purged, or an insert in progress
 *   that a lookup does not show), so nothing is there to keep or evict.
 */
export type ReadBackVerdict = "whole" | "cut" | "too-long" | "unseen";

export function readBackVerdict(read: ReadBack): ReadBackVerdict {
  if (!read.seen) return "unseen";
  if (read.ended === "limit") return "too-long";
  if (read.ended === "failed") return "cut";
  return endVerdict(read.bytes, read.after);
}

/**
 * Whether the client of a miss whose body streams out of a chunked insert may have the end of
 * its body (the last chunk), once it has been given `delivered` bytes and the read-back said
 * `verdict` after reading `bytes`. A cut is never ended normally: the client sees a broken
 * answer, as one of a body with a Content-Length sees it end short. An unchecked body (too long,
 * unseen) ends as a passed one would.
 */
export function clientBodyEnds(delivered: number, verdict: ReadBackVerdict, bytes: number): boolean {
  if (verdict === "cut") return false;
  if (verdict === "whole") return delivered === bytes;
  return true;
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
