// The platform shell's entry: decides, serves the decision the way its kind needs, adds the
// headers every response carries, and hands the response to logging.

import { cacheHeaders } from "../cache/cache-status.js";
import { chainedCacheHeaders } from "../cache/tiers.js";
import { edgeAnswer } from "../cache/outcome.js";
import { edgeControlHeaders } from "../cache/policy.js";
import type { CachePlacement, Synthetic, ToOrigin } from "../decision.js";
import { headerFieldsTooLarge } from "../http/header-limit.js";
import { clientAsksToClose } from "../http/hop-by-hop.js";
import { isNullBodyStatus } from "../http/null-body.js";
import { everyResponseHeaders } from "../http/response-headers.js";
import { decide } from "../router.js";
import { serveAsset } from "../engine/assets.js";
import { serveCached } from "../engine/cached.js";
import { contextFor, type EdgeContext } from "./context.js";
import { logHandoff, withLogging } from "./logging.js";
import { passToOrigin } from "../engine/pass.js";
import { purge } from "./purge.js";
import type { Served } from "../engine/served.js";
import { handOffWebSocket } from "./websocket.js";

export async function handle(event: FetchEvent): Promise<Response> {
  const ctx = contextFor(event);
  try {
    return await serve(ctx);
  } catch (error) {
    // A bug, not an origin failure: answer briefly and say so in the service log.
    console.error(`edge error for ${ctx.req.method} ${ctx.req.host}${ctx.req.path}: ${String(error)}`);
    const served: Served = {
      response: new Response("The edge could not serve this request.\n", {
        status: 503,
        headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", "retry-after": "5" },
      }),
      cache: { state: "edge", note: "edge-error" },
    };
    return withLogging(ctx, served, finish(ctx, served));
  }
}

async function serve(ctx: EdgeContext): Promise<Response> {
  await ctx.tier.recognise(ctx.req.headers);
  const decision = ctx.headersComplete ? decide(ctx.req) : headerFieldsTooLarge;
  if (decision.kind === "websocket") {
    logHandoff(ctx, { state: "pass", fwd: "bypass", origin: decision.origin, note: "websocket" });
    return handOffWebSocket(ctx, decision);
  }
  let served: Served;
  switch (decision.kind) {
    case "synthetic":
      served = { response: syntheticResponse(decision), cache: edgeAnswer };
      break;
    case "purge":
      served = await purge(ctx, decision);
      break;
    case "origin":
      served = await serveFromOrigin(ctx, decision);
      break;
  }
  return withLogging(ctx, served, finish(ctx, served));
}

function serveFromOrigin(ctx: EdgeContext, decision: ToOrigin): Promise<Served> {
  if (!decision.cache) return passToOrigin(ctx, decision);
  const cached = decision as ToOrigin & { cache: CachePlacement };
  return decision.origin === "assets" ? serveAsset(ctx, cached) : serveCached(ctx, cached);
}

/**
 * An edge answer. An empty body is no body: sent with Content-Length: 0 by the platform itself,
 * not as an empty stream the program has to write, so nothing of the program is still running
 * when the answer leaves.
 */
function syntheticResponse(decision: Synthetic): Response {
  const nullBody = isNullBodyStatus(decision.status) || decision.body === "";
  return new Response(nullBody ? null : decision.body, { status: decision.status, headers: decision.headers });
}

/** Headers every response carries. */
function finish(ctx: EdgeContext, served: Served): Response {
  const headers = served.response.headers;
  for (const [name, value] of Object.entries(everyResponseHeaders(ctx.req.site, served.cache.origin))) headers.set(name, value);
  headers.set("x-request-id", ctx.requestId);
  const ours = cacheHeaders(served.cache, ctx.servedBy, ctx.tier.fromPop);
  for (const [name, value] of Object.entries(chainedCacheHeaders(ctx.tier.upstream, ours))) headers.set(name, value);
  // A POP of this service keeps what the shield stored under (Surrogate-Control, Surrogate-Key).
  if (!ctx.req.headers.has("fastly-debug") && !ctx.tier.fromPop) for (const name of edgeControlHeaders) headers.delete(name);
  if (clientAsksToClose(ctx.req.headers)) headers.set("connection", "close");
  return served.response;
}
