// Origin fetches for cacheable requests: retried once on a 5xx or an instant connection failure
// (spec, Caching), so one bad answer from Fly or R2 does not reach a listener; a timeout is not
// retried (src/http/origin-failure.ts).

import { origins } from "../config/origins.js";
import type { ToOrigin } from "../decision.js";
import { worthRetrying, type OriginFailure } from "../http/origin-failure.js";
import type { RequestContext } from "./context.js";
import { fetchFromOrigin, type OriginFetchOptions } from "./origin-fetch.js";

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
  if (!result.ok && worthRetrying(result.failure, origin)) {
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
    const response = await fetchFromOrigin(ctx, decision, options);
    if (response.status < 500) return { ok: true, response };
    return { ok: false, response, failure: { kind: "status", status: response.status } };
  } catch (error) {
    console.error(`origin ${decision.origin} failed after ${Date.now() - started} ms: ${String(error)}`);
    return { ok: false, response: null, failure: { kind: "network", elapsedMs: Date.now() - started } };
  }
}
