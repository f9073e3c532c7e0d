// The cache headers of every response: Cache-Status (RFC 9211), X-Cache, X-Cache-Hits, Age,
// X-Served-By, derived from one CacheOutcome.

import type { CacheOutcome } from "./outcome.js";

export const cacheName = "changelog-edge";

/** Where this response was served: the Fastly POP, region and cache node. */
export interface ServedBy {
  readonly pop: string;
  readonly region: string;
  readonly hostname: string;
}

/**
 * Fastly's `server.identity`, e.g. `cache-iad-kcgs7200110-IAD`: the cache node's host name
 * (FASTLY_HOSTNAME, which already starts with `cache-` in production) and the POP. Both
 * X-Served-By and the logs' `fastly_server` carry it.
 */
export function serverIdentity(servedBy: ServedBy): string {
  const host = servedBy.hostname.startsWith("cache-") ? servedBy.hostname : `cache-${servedBy.hostname}`;
  return `${host}-${servedBy.pop}`;
}

/**
 * RFC 9211 §2: `changelog-edge; hit; ttl=…; detail="…"` or `…; fwd=uri-miss; stored; …`.
 * `forPop`: the shield answering a POP of this service, whose entry says `tier=shield` so the two
 * entries of a client's answer can be told apart where both run on one POP (local two-tier runs).
 */
export function cacheStatus(outcome: CacheOutcome, servedBy: ServedBy, forPop = false): string {
  const params: string[] = [cacheName];
  if (outcome.state === "hit" || outcome.state === "stale") params.push("hit");
  else if (outcome.fwd) params.push(`fwd=${outcome.fwd}`);
  if (outcome.stored) params.push("stored");
  if (outcome.ttl !== undefined) params.push(`ttl=${Math.floor(outcome.ttl)}`);
  const detail = [`pop=${servedBy.pop}`, `region=${servedBy.region}`];
  if (forPop) detail.push("tier=shield");
  detail.push(`origin=${outcome.origin ?? "edge"}`);
  if (outcome.state === "stale") detail.push("stale");
  if (outcome.note) detail.push(outcome.note);
  params.push(`detail="${detail.join(" ").replace(/["\\]/g, "")}"`);
  return params.join("; ");
}

/** The cache headers to set on a client response. */
export function cacheHeaders(outcome: CacheOutcome, servedBy: ServedBy, forPop = false): Record<string, string> {
  const fromCache = outcome.state === "hit" || outcome.state === "stale";
  const headers: Record<string, string> = {
    "cache-status": cacheStatus(outcome, servedBy, forPop),
    "x-cache": fromCache ? "HIT" : "MISS",
    age: String(Math.max(0, Math.trunc(outcome.age ?? 0))),
    "x-served-by": serverIdentity(servedBy),
  };
  // A hit whose count the platform cannot tell (Viceroy) gets no count rather than a wrong one.
  if (!fromCache) headers["x-cache-hits"] = "0";
  else if (outcome.hits !== undefined) headers["x-cache-hits"] = String(outcome.hits);
  return headers;
}
