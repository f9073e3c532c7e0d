// Origin fetches for cacheable requests, on every route (pages, feeds, every assets segment):
// retried once on a 5xx or an instant connection failure (spec, Caching), so one bad answer from
// Fly or R2 does not reach a listener; a timeout is not retried, and becomes a 504 where a 503
// answers an unreachable origin (src/http/origin-failure.ts).

import { origins } from "../config/origins.js";
import type { ToOrigin } from "../decision.js";
import { worthRetrying, type OriginFailure } from "../http/origin-failure.js";
import type { OriginFetchOptions, RequestContext } from "./context.js";
import { fromShield } from "./shield-answers.js";

export type OriginResult =
  | { readonly ok: true; readonly response: Response }
  /** Every try failed: the last 5xx answer if there was one, else null, and why. */
  | { readonly ok: false; readonly response: Response | null; readonly failure: OriginFailure };

export async function fetchWithRetry(
  ctx: RequestContext,
  decision: Pick<ToOrigin, "origin" | "originPath">,
  options: OriginFetchOptions = {},
): Promise<OriginResult> {
  const origin = origins[decision.origin];
  let result = await attempt(ctx, decision, options);
  // A 5xx from the shield is not asked again: the shield retried its origin once already, and
  // asking again would make one listener's request four origin requests.
  const shieldAnswered = result.response !== null && fromShield(result.response);
  if (!result.ok && !shieldAnswered && worthRetrying(result.failure, origin)) {
    await result.response?.body?.cancel();
    result = await attempt(ctx, decision, options);
  }
  return result;
}

async function attempt(
  ctx: RequestContext,
  decision: Pick<ToOrigin, "origin" | "originPath">,
  options: OriginFetchOptions,
): Promise<OriginResult> {
  const started = Date.now();
  try {
    const response = await ctx.origin(decision, options);
    if (response.status < 500) return { ok: true, response };
    return { ok: false, response, failure: { kind: "status", status: response.status } };
  } catch (error) {
    console.error(`origin ${decision.origin} failed after ${Date.now() - started} ms: ${String(error)}`);
    return { ok: false, response: null, failure: { kind: "network", elapsedMs: Date.now() - started } };
  }
}

/** No answer came from the origin, after the retry if one was worth it. */
export class OriginUnreachable extends Error {
  constructor(
    origin: string,
    readonly failure: OriginFailure,
  ) {
    super(`the ${origin} origin gave no answer (${failure.kind === "network" ? `${failure.elapsedMs} ms` : failure.status})`);
  }
}

/**
 * `fetchWithRetry` for callers that handle an origin's 5xx themselves: the last answer, whatever
 * its status; rejects with OriginUnreachable when no answer came at all.
 */
export async function answerWithRetry(
  ctx: RequestContext,
  decision: Pick<ToOrigin, "origin" | "originPath">,
  options: OriginFetchOptions = {},
): Promise<Response> {
  const result = await fetchWithRetry(ctx, decision, options);
  if (result.ok) return result.response;
  if (result.response) return result.response;
  throw new OriginUnreachable(decision.origin, result.failure);
}
