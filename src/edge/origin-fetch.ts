// The one way to reach a backend: one request to an origin, through its named backend or, for a
// shielded origin at a POP that is not the shield, through the shield POP's copy of this service
// (src/cache/tiers.ts), taken from the execution's budget (src/http/backend-budget.ts), so no
// code path can make the request Fastly would refuse. To an origin the URL carries the origin's
// own host (so production sends the Host R2 and Fly route on); to the shield, the client's own
// host and path, which the shield routes as any client request, marked with the shield token.
// The readthrough HTTP cache is bypassed unless asked for, because the edge keeps its own cache
// in Core Cache.

import { CacheOverride } from "fastly:cache-override";
import { throughShield, upstreamCacheHeaders } from "../cache/tiers.js";
import { backendFor, origins } from "../config/origins.js";
import { shieldTokenKey, tierHeader } from "../config/shielding.js";
import type { ToOrigin } from "../decision.js";
import { BackendBudgetSpent } from "../http/backend-budget.js";
import { originRequestHeaders } from "../http/origin-request.js";
import type { OriginFetchOptions, Readthrough } from "../engine/context.js";
import { markFromShield } from "../engine/shield-answers.js";
import type { EdgeContext } from "./context.js";

export async function fetchFromOrigin(
  ctx: EdgeContext,
  decision: Pick<ToOrigin, "origin" | "originPath">,
  options: OriginFetchOptions = {},
): Promise<Response> {
  const origin = origins[decision.origin];
  const headers = originRequestHeaders(ctx.req, ctx.requestId, ctx.tier.fromPop);
  for (const name of options.drop ?? []) headers.delete(name);
  for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
  const method = options.method ?? ctx.req.method;
  const viaShield = throughShield(ctx.tier, decision.origin, method, options.pass ?? false);
  const token = viaShield ? await ctx.tier.shieldToken() : null;
  if (!ctx.backends.take()) throw new BackendBudgetSpent(ctx.backends.limit);
  const cacheOverride = overrideFor(options.readthrough);
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

/** The readthrough cache's treatment of one request: kept with the given times, else passed. */
function overrideFor(readthrough: Readthrough | undefined): CacheOverride {
  if (!readthrough) return new CacheOverride("pass");
  return new CacheOverride("override", { ttl: readthrough.ttl, swr: readthrough.swr, surrogateKey: readthrough.surrogateKeys.join(" ") });
}
