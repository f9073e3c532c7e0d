// The one way to reach a backend: one request to an origin through its named backend, taken
// from the execution's budget (src/http/backend-budget.ts), so no code path can make the request
// Fastly would refuse. The URL carries the origin's own host (so production sends the Host R2
// and Fly route on); the readthrough HTTP cache is bypassed because the edge keeps its own cache
// in Core Cache.

import { CacheOverride } from "fastly:cache-override";
import { backendFor, origins } from "../config/origins.js";
import type { ToOrigin } from "../decision.js";
import { BackendBudgetSpent } from "../http/backend-budget.js";
import { originRequestHeaders } from "../http/origin-request.js";
import type { RequestContext } from "./context.js";

export interface OriginFetchOptions {
  /** Path and query to send instead of the decision's (segment and revalidation requests). */
  readonly path?: string;
  readonly method?: string;
  /** Headers set on top of the forwarded client headers (Range, If-None-Match…). */
  readonly headers?: Record<string, string>;
  /** Client headers that must not reach the origin for this fetch (Range, conditionals…). */
  readonly drop?: readonly string[];
  readonly body?: ReadableStream | null;
  /**
   * How Fastly's readthrough HTTP cache treats this request: passed by default (the edge keeps
   * its own cache in Core Cache); whole objects larger than a store answer use it
   * (src/edge/assets.ts).
   */
  readonly cacheOverride?: CacheOverride;
}

export function fetchFromOrigin(
  ctx: RequestContext,
  decision: Pick<ToOrigin, "origin" | "originPath">,
  options: OriginFetchOptions = {},
): Promise<Response> {
  const origin = origins[decision.origin];
  const headers = originRequestHeaders(ctx.req, ctx.requestId);
  for (const name of options.drop ?? []) headers.delete(name);
  for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
  const method = options.method ?? ctx.req.method;
  if (!ctx.backends.take()) return Promise.reject(new BackendBudgetSpent(ctx.backends.limit));
  return fetch(`https://${origin.host}${options.path ?? decision.originPath}`, {
    method,
    headers,
    body: options.body ?? null,
    backend: backendFor(origin.name, method),
    cacheOverride: options.cacheOverride ?? new CacheOverride("pass"),
  });
}

/** The short answer when an origin gave no answer: 503 when unreachable, 504 on a timeout. */
export function originUnavailable(origin: string, status: 503 | 504 = 503): Response {
  const what = status === 504 ? "did not answer in time" : "could not be reached";
  return new Response(`The ${origin} origin ${what}. Try again shortly.\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "retry-after": "5", "cache-control": "no-store" },
  });
}
