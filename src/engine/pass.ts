// Requests that are never cached (cookies, methods other than GET/HEAD, health probes): sent to
// the origin as they are, the origin's answer returned as it is; never through the shield,
// which could not keep them either.

import { passOutcome } from "../cache/outcome.js";
import { origins } from "../config/origins.js";
import { withoutConnectionSpecific } from "../http/hop-by-hop.js";
import { originUnavailable, statusWithoutAnswer } from "../http/origin-failure.js";
import type { ToOrigin } from "../decision.js";
import type { RequestContext } from "./context.js";
import type { Served } from "./served.js";

export async function passToOrigin(ctx: RequestContext, decision: ToOrigin): Promise<Served> {
  const hasBody = ctx.req.method !== "GET" && ctx.req.method !== "HEAD";
  const cache = passOutcome(decision.origin, "bypass", decision.passReason);
  const started = Date.now();
  try {
    const upstream = await ctx.origin(decision, { body: hasBody ? ctx.event.request.body : null, pass: true });
    // RFC 9110 §7.6.1: the origin's hop-by-hop headers end at the edge.
    const headers = withoutConnectionSpecific(upstream.headers);
    // A HEAD answer keeps the origin's Content-Length, the length a GET would have (RFC 9110
    // §9.3.2), instead of the platform's own framing of an empty body.
    const manualFramingHeaders = ctx.req.method === "HEAD" && headers.has("content-length");
    return {
      response: new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers, manualFramingHeaders }),
      cache,
      hostBody: true,
    };
  } catch (error) {
    const elapsedMs = Date.now() - started;
    console.error(`origin ${decision.origin} failed after ${elapsedMs} ms: ${String(error)}`);
    const status = statusWithoutAnswer({ kind: "network", elapsedMs }, origins[decision.origin]);
    return { response: originUnavailable(decision.origin, status), cache };
  }
}
