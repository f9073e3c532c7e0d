// Requests that are never cached (cookies, methods other than GET/HEAD, health probes): sent to
// the origin as they are, the origin's answer returned as it is; never through the shield,
// which could not keep them either.

import { passOutcome } from "../cache/outcome.js";
import { origins } from "../config/origins.js";
import { relayedAnswer } from "./relayed-answer.js";
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
    return { response: relayedAnswer(upstream, ctx.req.method === "HEAD"), cache, hostBody: true };
  } catch (error) {
    const elapsedMs = Date.now() - started;
    console.error(`origin ${decision.origin} failed after ${elapsedMs} ms: ${String(error)}`);
    const status = statusWithoutAnswer({ kind: "network", elapsedMs }, origins[decision.origin]);
    return { response: originUnavailable(decision.origin, status), cache };
  }
}
