// The one way to reach a backend: one request to an origin, through its named backend or, for a
// shielded origin at a POP that is not the shield, through the shield POP's copy of this service
// (src/cache/tiers.ts), taken from the execution's budget (src/http/backend-budget.ts), so no
// code path can make the request Fastly would refuse. To an origin the URL carries the origin's
// own host (so production sends the Host R2 and Fly route on); to the shield, the client's own
// host and path, which the shield routes as any client request, marked with the shield token.
// The readthrough HTTP cache is bypassed unless asked for, because the edge keeps its own cache
// in Core Cache.

import { CacheOverride } from "fastly:cache-override";
import { goesThroughShield, upstreamCacheHeaders } from "../cache/tiers.js";
import { backendFor, origins } from "../config/origins.js";
import { shieldTokenKey, tierHeader } from "../config/shielding.js";
import type { ToOrigin } from "../decision.js";
import { BackendBudgetSpent } from "../http/backend-budget.js";
import { originRequestHeaders } from "../http/origin-request.js";
import type { RequestContext } from "./context.js";
import { markFromShield } from "./shield-answers.js";

export interface OriginFetchOptions {
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
  /** A pass or health probe: straight to the origin even where the origin is shielded. */
  readonly pass?: boolean;
}

/** Whether this execution's next request to `origin` would go through the shield. */
export function throughShield(ctx: RequestContext, origin: ToOrigin["origin"], method = "GET", pass = false): boolean {
  return goesThroughShield({ role: ctx.tier.role, origin, method, pass, shieldDown: ctx.tier.shieldDown, fromPop: ctx.tier.fromPop });
}

export async function fetchFromOrigin(
  ctx: RequestContext,
  decision: Pick<ToOrigin, "origin" | "originPath">,
  options: OriginFetchOptions = {},
): Promise<Response> {
  const origin = origins[decision.origin];
  const headers = originRequestHeaders(ctx.req, ctx.requestId, ctx.tier.fromPop);
  for (const name of options.drop ?? []) headers.delete(name);
  for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
  const method = options.method ?? ctx.req.method;
  const viaShield = throughShield(ctx, decision.origin, method, options.pass ?? false);
  const token = viaShield ? await ctx.tier.shieldToken() : null;
  if (!ctx.backends.take()) throw new BackendBudgetSpent(ctx.backends.limit);
  const cacheOverride = options.cacheOverride ?? new CacheOverride("pass");
  const body = options.body ?? null;
  // docs/caching.md: without the token the shield could not tell this POP from a client.
  if (viaShield && token === null) console.error(`no ${shieldTokenKey} in the secret store: ${decision.origin} filled from the origin`);
  if (!viaShield || token === null) {
    return fetch(`https://${origin.host}${decision.originPath}`, { method, headers, body, backend: backendFor(origin.name, method), cacheOverride });
  }
  headers.set(tierHeader, token);
  try {
    // The client's own URL: the shield decides on it as on any request, the same decision.
    const response = await fetch(`https://${ctx.req.host}${ctx.req.path}${ctx.req.query}`, { method, headers, body, backend: ctx.tier.shieldBackend(), cacheOverride });
    markFromShield(response);
    ctx.tier.upstream = upstreamCacheHeaders(response.headers);
    return response;
  } catch (error) {
    console.error(`shield unreachable for ${decision.origin}, filling from the origin: ${String(error)}`);
    ctx.tier.shieldDown = true;
    throw error;
  }
}
