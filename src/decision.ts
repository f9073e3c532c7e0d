// What the edge decided to do with a request: plain values, turned into platform calls in one
// place (src/edge/). No magic status numbers standing for control flow.

import type { OriginName } from "./config/origins.js";

/** An answer the edge writes itself: health, redirects, refusals, the embed script. */
export interface Synthetic {
  readonly kind: "synthetic";
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Why the edge answered itself: shown in Cache-Status and the request log. */
  readonly reason: string;
}

/** Where a cacheable response lives in the edge cache. */
export interface CachePlacement {
  /** The cache key: host and path, plus the query on the app host only. */
  readonly key: string;
  /** The surrogate key of the public URL, purged by PURGE and by the purge script. */
  readonly surrogateKey: string;
}

/** Forward to an origin. */
export interface ToOrigin {
  readonly kind: "origin";
  readonly origin: OriginName;
  /** Path and query sent to the origin. */
  readonly originPath: string;
  /** Where to cache the response, or null when it must not be cached. */
  readonly cache: CachePlacement | null;
  /** Why the request is passed uncached (Cache-Status `detail`), when cache is null. */
  readonly passReason?: string;
}

/** PURGE of a public URL: allowed only with the purge token (rule 4). */
export interface Purge {
  readonly kind: "purge";
  readonly surrogateKey: string;
  readonly url: string;
}

/** A WebSocket upgrade handed through to an origin (rule 7). */
export interface WebSocketHandoff {
  readonly kind: "websocket";
  readonly origin: OriginName;
}

export type Decision = Synthetic | ToOrigin | Purge | WebSocketHandoff;

export function synthetic(
  status: number,
  reason: string,
  headers: Record<string, string> = {},
  body = "",
): Synthetic {
  return { kind: "synthetic", status, headers, body, reason };
}
