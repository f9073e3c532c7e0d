// Requests that are never cached (cookies, methods other than GET/HEAD, health probes): sent to
// the origin as they are, the origin's answer returned as it is.

import { passOutcome } from "../cache/outcome.js";
import type { ToOrigin } from "../decision.js";
import type { RequestContext } from "./context.js";
import { fetchFromOrigin, originUnavailable } from "./origin-fetch.js";
import type { Served } from "./served.js";

export async function passToOrigin(ctx: RequestContext, decision: ToOrigin): Promise<Served> {
  const hasBody = ctx.req.method !== "GET" && ctx.req.method !== "HEAD";
  const cache = passOutcome(decision.origin, "bypass", decision.passReason);
  try {
    const upstream = await fetchFromOrigin(ctx, decision, { body: hasBody ? ctx.event.request.body : null });
    return { response: new Response(upstream.body, upstream), cache };
  } catch (error) {
    console.error(`origin ${decision.origin} failed: ${String(error)}`);
    return { response: originUnavailable(decision.origin), cache };
  }
}
