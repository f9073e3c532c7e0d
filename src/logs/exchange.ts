// One finished request/response exchange as plain data: everything the three log lines are
// written from. The shell (src/edge/logging.ts) fills it when the response body has ended, or when
// it hands a body to the platform.

import type { ServedBy } from "../cache/cache-status.js";
import type { CacheOutcome } from "../cache/outcome.js";
import type { ClientGeo } from "./geo.js";

/**
 * How the response body ended:
 * - `complete`: every byte was handed to the client connection;
 * - `client-gone`: the client hung up before the end (bodyBytes counts what left until then);
 * - `failed`: the body could not be produced to the end (an origin broke off mid-body);
 * - `handed-off`: a WebSocket upgrade the platform took over; its bytes never pass the program;
 * - `host`: an origin's body of declared length was handed to the platform, which sends it
 *   without the program; bodyBytes is the length handed over, written when the response starts,
 *   since the program cannot see how much of it the client takes (docs/logs.md).
 */
export type Delivery = "complete" | "client-gone" | "failed" | "handed-off" | "host";

export interface Exchange {
  /** Epoch milliseconds when the request arrived. */
  readonly startedAt: number;
  /** Microseconds from arrival until the last body byte left (or the exchange broke off). */
  readonly elapsedUs: number;
  /**
   * vCPU milliseconds the execution had used when the lines were written (`vCpuTime()`), null
   * when the platform cannot say. Fastly allows 50 per execution (src/config/limits.ts).
   */
  readonly cpuMs: number | null;
  readonly requestId: string;
  readonly clientIp: string;
  readonly geo: ClientGeo;
  readonly method: string;
  /** The public host the client asked for, lower case. */
  readonly host: string;
  /** Path as received (percent-encoded), without the query. */
  readonly path: string;
  /** Query with its leading "?", or "". */
  readonly query: string;
  /** "HTTP/1.1" or "HTTP/2". */
  readonly protocol: string;
  readonly tls: boolean;
  /** The request came from another Fastly node (it carried `Fastly-FF`). */
  readonly relayed: boolean;
  /** User-Agent as text (see `headerText`), or null when the client sent none. */
  readonly userAgent: string | null;
  readonly referer: string | null;
  /** Request body bytes as the client declared them (Content-Length), null when undeclared. */
  readonly requestBodyBytes: number | null;
  readonly status: number;
  readonly contentType: string | null;
  /** Response body bytes that left the edge for this client. */
  readonly bodyBytes: number;
  readonly delivery: Delivery;
  readonly cache: CacheOutcome;
  readonly servedBy: ServedBy;
}

/**
 * Fastly's `fastly_info.state` spelling of a cache outcome, which the feed log has always carried
 * (https://www.fastly.com/documentation/reference/vcl/variables/miscellaneous/fastly-info-state/):
 * an answer the edge wrote itself is HIT-SYNTH, or ERROR when it is an error status.
 */
export function fastlyState(cache: CacheOutcome, status: number): string {
  switch (cache.state) {
    case "hit":
      return "HIT";
    case "stale":
      return "HIT-STALE";
    case "miss":
      return "MISS";
    case "pass":
      return "PASS";
    case "edge":
      return status >= 400 ? "ERROR" : "HIT-SYNTH";
  }
}

/** The URL as the client asked for it: path and query, no scheme or host. */
export function exchangeUrl(x: Pick<Exchange, "path" | "query">): string {
  return x.path + x.query;
}
