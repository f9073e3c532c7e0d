// Which surrogate key a public URL's cached objects carry, and the Fastly API request that
// purges them. Shared by `npm run purge` and its tests; the edge computes the same key when it
// stores objects (src/rules/origin-routing.ts), so a purge by URL always finds them.

import { edgeRequestFrom } from "./edge-request.js";
import { originRouting } from "./rules/origin-routing.js";

/** The surrogate key of a public URL such as https://cdn.changelog.com/uploads/…mp3. */
export function surrogateKeyForUrl(url: string): string {
  const parsed = new URL(url);
  const request = new Request(parsed.toString(), { headers: { host: parsed.host } });
  const decision = originRouting(edgeRequestFrom(request));
  if (!decision.cache) throw new Error(`${url} is never cached, so there is nothing to purge`);
  return decision.cache.surrogateKey;
}

export interface ApiPurge {
  readonly url: string;
  readonly method: "POST";
  readonly headers: Record<string, string>;
}

/**
 * Fastly API batch surrogate-key purge (POST /service/{id}/purge with a Surrogate-Key header):
 * the key carries slashes, which the single-key endpoint would need in its path. Soft by
 * default: objects turn stale and are revalidated rather than dropped.
 * https://www.fastly.com/documentation/reference/api/purging/
 */
export function apiPurgeRequest(serviceId: string, token: string, keys: readonly string[], soft: boolean): ApiPurge {
  const headers: Record<string, string> = {
    "fastly-key": token,
    "surrogate-key": keys.join(" "),
    accept: "application/json",
  };
  if (soft) headers["fastly-soft-purge"] = "1";
  return { url: `https://api.fastly.com/service/${encodeURIComponent(serviceId)}/purge`, method: "POST", headers };
}
