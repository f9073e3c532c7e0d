// Per-request facts the shell gathers once: the parsed request, its id, when it started and
// which POP serves it.

import { env } from "fastly:env";
import type { ServedBy } from "../cache/cache-status.js";
import { edgeRequestFrom, type EdgeRequest } from "../edge-request.js";
import { requestIdFor } from "../http/request-id.js";

export interface RequestContext {
  readonly event: FetchEvent;
  readonly req: EdgeRequest;
  readonly requestId: string;
  /** Date.now() when the request arrived. */
  readonly startedAt: number;
  /** performance.now() when the request arrived: elapsed times in microseconds. */
  readonly startedAtMonotonic: number;
  readonly servedBy: ServedBy;
}

export function contextFor(event: FetchEvent): RequestContext {
  const req = edgeRequestFrom(event.request, event.client.address);
  return {
    event,
    req,
    requestId: requestIdFor(req.headers, () => crypto.randomUUID()),
    startedAt: Date.now(),
    startedAtMonotonic: performance.now(),
    servedBy: {
      pop: env("FASTLY_POP") || "local",
      region: env("FASTLY_REGION") || "local",
      hostname: env("FASTLY_HOSTNAME") || "localhost",
    },
  };
}
