// What an origin failure means for the listener: whether one retry is worth it, and which status
// the edge answers with when nothing usable came back. A failure that arrives at once (refused,
// reset) is retried; one that took longer than connecting can take was a timeout waiting for
// bytes, and a retry would only double the wait (RFC 9110 §15.6.5: 504 for an upstream timeout).

import type { Origin } from "../config/origins.js";

export type OriginFailure =
  | { readonly kind: "status"; readonly status: number }
  | { readonly kind: "network"; readonly elapsedMs: number };

/** Slack on top of the connect timeout before a network failure counts as a timeout. */
const connectSlackMs = 250;

export function timedOut(failure: OriginFailure, origin: Pick<Origin, "connectTimeout">): boolean {
  return failure.kind === "network" && failure.elapsedMs >= origin.connectTimeout + connectSlackMs;
}

export function worthRetrying(failure: OriginFailure, origin: Pick<Origin, "connectTimeout">): boolean {
  if (failure.kind === "status") return failure.status >= 500;
  return !timedOut(failure, origin);
}

/** The edge's own status when the origin gave no answer at all. */
export function statusWithoutAnswer(failure: OriginFailure, origin: Pick<Origin, "connectTimeout">): 503 | 504 {
  return timedOut(failure, origin) ? 504 : 503;
}

/** The short answer when an origin gave no answer: 503 when unreachable, 504 on a timeout. */
export function originUnavailable(origin: string, status: 503 | 504 = 503): Response {
  const what = status === 504 ? "did not answer in time" : "could not be reached";
  return new Response(`The ${origin} origin ${what}. Try again shortly.\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "retry-after": "5", "cache-control": "no-store" },
  });
}
