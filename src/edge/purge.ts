// PURGE of a public URL (rule 4): with the token from the Secret Store, every cached object
// behind the URL (each query variant, each mp3 segment) goes, through the URL's surrogate key.
// `Fastly-Soft-Purge: 1` marks them stale instead, as Fastly's API does.

import { purgeSurrogateKey } from "fastly:compute";
import { edgeAnswer } from "../cache/outcome.js";
import type { Purge } from "../decision.js";
import { purgeAuthorized } from "../http/purge-auth.js";
import type { EdgeContext } from "./context.js";
import { edgeSecret } from "./secrets.js";
import type { Served } from "../engine/served.js";

export const purgeTokenKey = "purge_token";

function json(status: number, body: unknown): Response {
  return new Response(`${JSON.stringify(body)}\n`, {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

export async function purge(ctx: EdgeContext, decision: Purge): Promise<Served> {
  if (!purgeAuthorized(ctx.req.headers.get("purge-token"), await edgeSecret(purgeTokenKey))) {
    return {
      response: new Response("Purging needs a valid Purge-Token header.\n", {
        status: 401,
        headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
      }),
      cache: edgeAnswer,
    };
  }
  const soft = ctx.req.headers.get("fastly-soft-purge") === "1";
  purgeSurrogateKey(decision.surrogateKey, soft);
  return {
    response: json(200, { status: "ok", url: decision.url, surrogateKey: decision.surrogateKey, soft }),
    cache: { state: "edge", note: "purge" },
  };
}
