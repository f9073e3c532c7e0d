// The platform shell: turns a Decision into Fastly calls (backends, cache, loggers). The only
// place besides src/index.ts that imports fastly:* modules.

import { CacheOverride } from "fastly:cache-override";
import { origins } from "../config/origins.js";
import type { Decision, Synthetic, ToOrigin } from "../decision.js";
import { edgeRequestFrom, type EdgeRequest } from "../edge-request.js";
import { originRequestHeaders } from "../http/origin-request.js";
import { requestIdFor } from "../http/request-id.js";
import { decide } from "../router.js";

const hsts = "max-age=31557600";

export async function handle(event: FetchEvent): Promise<Response> {
  const req = edgeRequestFrom(event.request);
  const requestId = requestIdFor(req.headers, () => crypto.randomUUID());
  const decision: Decision = decide(req);
  const response =
    decision.kind === "synthetic"
      ? syntheticResponse(decision)
      : await fromOrigin(event.request, req, decision, requestId);
  response.headers.set("strict-transport-security", hsts);
  response.headers.set("x-request-id", requestId);
  return response;
}

function syntheticResponse(decision: Synthetic): Response {
  const nullBody = decision.status === 204 || decision.status === 304;
  return new Response(nullBody ? null : decision.body, {
    status: decision.status,
    headers: decision.headers,
  });
}

async function fromOrigin(
  client: Request,
  req: EdgeRequest,
  decision: ToOrigin,
  requestId: string,
): Promise<Response> {
  const origin = origins[decision.origin];
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  try {
    const upstream = await fetch(`https://${origin.host}${decision.originPath}`, {
      method: req.method,
      headers: originRequestHeaders(req, requestId),
      body: hasBody ? client.body : null,
      backend: origin.name,
      cacheOverride: new CacheOverride("pass"),
    });
    return new Response(upstream.body, upstream);
  } catch (error) {
    console.error(`origin ${origin.name} failed: ${String(error)}`);
    return new Response("The origin could not be reached. Try again shortly.\n", {
      status: 503,
      headers: { "content-type": "text/plain; charset=utf-8", "retry-after": "5" },
    });
  }
}
