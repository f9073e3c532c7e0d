// What the edge keeps beside a cached body: the origin's status and headers and the cache times
// it was stored under, serialized into Core Cache user metadata.

import type { CacheTimes } from "../config/cache-times.js";
import { connectionSpecific } from "../http/hop-by-hop.js";

export interface StoredResponse {
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly times: CacheTimes;
  /**
   * A marker without a body: `http-cache`, the body is kept by Fastly's readthrough HTTP cache
   * (`bodyHome`, src/cache/policy.ts); `pass`, the origin's last answer could not be stored
   * (hit-for-pass, for `passReason`), so requests go to the origin each on its own.
   */
  readonly body?: "http-cache" | "pass";
  readonly passReason?: string;
}

/**
 * Never stored with an object: per-response (Set-Cookie), or Age, which the cache computes
 * afresh for every answer (RFC 9111 §5.1; the origin's Age becomes the object's initial age),
 * or the cache headers of the answer a shield POP gave (they describe that answer, not a later
 * hit here: src/cache/tiers.ts). Date is kept: it says when the origin made the response
 * (RFC 9110 §6.6.1).
 */
const perResponseHeaders = ["set-cookie", "age", "cache-status", "x-cache", "x-cache-hits", "x-served-by"];

/** Whether a header of `headers` is kept with a stored object. */
function storable(headers: Headers): (name: string) => boolean {
  // RFC 9110 §7.6.1: the hop-by-hop set and whatever the origin's Connection header names.
  const unstored = connectionSpecific(headers);
  for (const name of perResponseHeaders) unstored.add(name);
  return (name) => !unstored.has(name);
}

export function storedResponseFrom(status: number, headers: Headers, times: CacheTimes): StoredResponse {
  const keep = storable(headers);
  const kept: [string, string][] = [];
  headers.forEach((value, name) => {
    if (keep(name.toLowerCase())) kept.push([name.toLowerCase(), value]);
  });
  return { status, headers: kept, times };
}

/**
 * RFC 9111 §4.3.4: a 304 that validates a stored response updates it: each header the 304
 * carries replaces every stored header of that name; the rest stay. §3.2: never the framing
 * headers (Content-Length, and Content-Encoding/Content-Range, which describe the stored body),
 * nor what is never stored at all. `times` are the cache times of the updated response.
 */
export function freshenedWith(stored: StoredResponse, notModified: Headers, times: CacheTimes): StoredResponse {
  const keep = storable(notModified);
  const replacing = new Map<string, string>();
  notModified.forEach((value, name) => {
    const lower = name.toLowerCase();
    if (keep(lower) && !framingHeaders.has(lower)) replacing.set(lower, value);
  });
  const headers: [string, string][] = stored.headers
    .filter(([name]) => !replacing.has(name))
    .map(([name, value]) => [name, value]);
  for (const [name, value] of replacing) headers.push([name, value]);
  return { status: stored.status, headers, times };
}

const framingHeaders = new Set(["content-length", "content-encoding", "content-range", "transfer-encoding"]);

/** The value of a stored header (names are stored lower-cased), or null. */
export function storedHeader(stored: StoredResponse, name: string): string | null {
  return stored.headers.find(([header]) => header === name)?.[1] ?? null;
}

/** The stored headers as a Headers object. */
export function storedHeaders(stored: StoredResponse): Headers {
  return new Headers(stored.headers as [string, string][]);
}

/**
 * RFC 9111 §5.1: the origin's Age in seconds (0 when absent or invalid; the first member of a
 * list), so the edge's copy starts as old as the origin's was.
 */
export function originAgeSeconds(headers: Headers): number {
  const value = headers.get("age");
  if (value === null) return 0;
  const first = value.split(",")[0]!.trim();
  if (!/^\d{1,10}$/.test(first)) return 0;
  return Math.min(Number(first), 2 ** 31 - 1);
}

export function encodeStored(stored: StoredResponse): string {
  return JSON.stringify(stored);
}

/** The stored response, or null when the metadata is not ours (a foreign or corrupted entry). */
export function decodeStored(metadata: ArrayBuffer | string): StoredResponse | null {
  try {
    const text = typeof metadata === "string" ? metadata : new TextDecoder().decode(metadata);
    const value = JSON.parse(text) as Partial<StoredResponse>;
    if (typeof value.status !== "number" || !Array.isArray(value.headers) || typeof value.times !== "object") return null;
    return value as StoredResponse;
  } catch {
    return null;
  }
}

/** Headers to ask the origin whether a stored copy is still current (RFC 9110 §13.1). */
export function revalidationHeaders(stored: StoredResponse): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of stored.headers) {
    if (name === "etag") headers["if-none-match"] = value;
    if (name === "last-modified") headers["if-modified-since"] = value;
  }
  return headers;
}
