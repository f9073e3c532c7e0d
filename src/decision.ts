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

/** Forward to an origin. */
export interface ToOrigin {
  readonly kind: "origin";
  readonly origin: OriginName;
  /** Path and query sent to the origin. */
  readonly originPath: string;
  /**
   * The cache key, or null when the response must not be cached (cookies, health probes,
   * methods other than GET/HEAD).
   */
  readonly cacheKey: string | null;
  /** Why the request is passed uncached (for Cache-Status `fwd=`), when cacheKey is null. */
  readonly passReason?: string;
}

export type Decision = Synthetic | ToOrigin;

export function synthetic(
  status: number,
  reason: string,
  headers: Record<string, string> = {},
  body = "",
): Synthetic {
  return { kind: "synthetic", status, headers, body, reason };
}
