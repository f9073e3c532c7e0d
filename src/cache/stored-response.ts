// What the edge keeps beside a cached body: the origin's status and headers and the cache times
// it was stored under, serialized into Core Cache user metadata.

import type { CacheTimes } from "../config/cache-times.js";
import { hopByHopHeaders } from "../http/hop-by-hop.js";

export interface StoredResponse {
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly times: CacheTimes;
}

/** Never stored with an object: connection-specific (RFC 9110 §7.6.1) or per-response. */
const unstoredHeaders = new Set([
  ...hopByHopHeaders,
  "set-cookie",
  "date",
  "age",
]);

export function storedResponseFrom(status: number, headers: Headers, times: CacheTimes): StoredResponse {
  const kept: [string, string][] = [];
  headers.forEach((value, name) => {
    if (!unstoredHeaders.has(name.toLowerCase())) kept.push([name.toLowerCase(), value]);
  });
  return { status, headers: kept, times };
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
