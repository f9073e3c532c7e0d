// Rule 11: /embed.js, on any host, is the player-embed script, written by the edge itself and
// cached by browsers and proxies like an asset. Its ETag lets them revalidate it for free.

import { browserAssetTimes } from "../config/cache-times.js";
import { synthetic, type Decision } from "../decision.js";
import type { EdgeRequest } from "../edge-request.js";
import { embedScript } from "./embed-script.js";

export const embedPath = "/embed.js";

/** FNV-1a (32 bits) of the script: changes whenever the script does. */
function fnv1a32(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, "0");
}

export const embedEtag = `"embed-${fnv1a32(embedScript)}"`;

const { fresh, staleWhileRevalidate, staleIfError } = browserAssetTimes;
/** RFC 9111 §5.2.2 and RFC 5861: the spec's assets times, for browsers and shared caches. */
const cacheControl = `public, max-age=${fresh}, stale-while-revalidate=${staleWhileRevalidate}, stale-if-error=${staleIfError}`;

/** RFC 9110 §13.1.2: `*` or any listed entity tag, compared weakly, matches. */
export function noneMatch(ifNoneMatch: string | null, etag: string): boolean {
  if (ifNoneMatch === null) return false;
  const opaque = (tag: string) => (tag.startsWith("W/") ? tag.slice(2) : tag);
  return ifNoneMatch.split(",").some((tag) => {
    const trimmed = tag.trim();
    return trimmed === "*" || opaque(trimmed) === opaque(etag);
  });
}

export function embed(req: EdgeRequest): Decision | null {
  if (req.path !== embedPath) return null;
  if (req.method !== "GET" && req.method !== "HEAD") {
    return synthetic(
      405,
      "embed-method",
      { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" },
      "Method Not Allowed: /embed.js accepts GET, HEAD.\n",
    );
  }
  const headers = { etag: embedEtag, "cache-control": cacheControl };
  if (noneMatch(req.headers.get("if-none-match"), embedEtag)) return synthetic(304, "embed-not-modified", headers);
  return synthetic(200, "embed", { ...headers, "content-type": "application/javascript" }, embedScript);
}
