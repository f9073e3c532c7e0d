// Rules 12–14, the fall-through: which origin serves a request no earlier rule answered, what
// path it is sent as, and where it is cached. Feed paths of the app host go to the feeds
// bucket; the assets and feeds buckets ignore the query string (podcast apps and feed readers
// append trackers and cache-busters), so it is neither sent nor part of the key.

import { feedObjects, feedsPrefix } from "../config/feeds.js";
import { siteHosts } from "../config/hosts.js";
import type { OriginName } from "../config/origins.js";
import { urlSurrogateKey } from "../cache/surrogate-keys.js";
import type { CachePlacement, ToOrigin } from "../decision.js";
import type { EdgeRequest } from "../edge-request.js";

const feedTable: ReadonlyMap<string, string> = new Map(Object.entries(feedObjects));

export interface FeedPath {
  /** The public path without a trailing slash: what the feed is cached and purged under. */
  readonly canonical: string;
  /** The object in the feeds bucket. */
  readonly object: string;
}

/** The feeds-bucket object for an app-host path, or null when the path is not a feed. */
export function feedPathFor(path: string): FeedPath | null {
  const canonical = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  const mapped = feedTable.get(canonical);
  if (mapped) return { canonical, object: mapped };
  if (canonical.startsWith(feedsPrefix)) {
    const name = canonical.slice(feedsPrefix.length);
    if (name !== "" && !name.includes("/")) return { canonical, object: `/${name}.xml` };
  }
  return null;
}

export function feedObjectFor(path: string): string | null {
  return feedPathFor(path)?.object ?? null;
}

/** Where a request goes and where its answer is cached, were it cacheable. */
export interface Route {
  readonly origin: OriginName;
  readonly originPath: string;
  readonly placement: CachePlacement;
}

/** The origin, the path sent to it and the cache placement, by host and path alone. */
export function routeFor(req: EdgeRequest): Route {
  const route = (origin: OriginName, originPath: string, host: string, path: string, query: string): Route => ({
    origin,
    originPath,
    placement: { key: `${host}${path}${query}`, surrogateKey: urlSurrogateKey(host, path) },
  });
  if (req.site === "assets") return route("assets", req.path, siteHosts.assets, req.path, "");
  if (req.site === "nightly") return route("nightly", req.path + req.query, siteHosts.nightly, req.path, req.query);
  const feed = feedPathFor(req.path);
  if (feed) return route("feeds", feed.object, siteHosts.app, feed.canonical, "");
  return route("app", req.path + req.query, siteHosts.app, req.path, req.query);
}

/**
 * Core Cache keys are at most 4 KiB
 * (https://www.fastly.com/documentation/reference/compute/sdks/rust/fastly/cache/core/): the
 * lookup of a longer one fails, so a URL that long is passed uncached instead.
 */
export const maxCacheKeyBytes = 4096;

const utf8 = new TextEncoder();

/** Whether `key` can name a Core Cache entry. */
export function fitsCacheKey(key: string): boolean {
  return key.length <= maxCacheKeyBytes / 3 || utf8.encode(key).byteLength <= maxCacheKeyBytes;
}

/**
 * RFC 9111 §3: only GET and HEAD answers are stored; other methods pass uncached. §3.5: a shared
 * cache must not answer a request carrying Authorization from cache (nor store its answer
 * unless the origin says it is public), so such requests pass: the answer may be the user's own.
 */
export function originRouting(req: EdgeRequest): ToOrigin {
  const { origin, originPath, placement } = routeFor(req);
  if (req.method !== "GET" && req.method !== "HEAD") return { kind: "origin", origin, originPath, cache: null, passReason: "method" };
  if (req.headers.has("authorization")) return { kind: "origin", origin, originPath, cache: null, passReason: "authorization" };
  if (!fitsCacheKey(placement.key)) return { kind: "origin", origin, originPath, cache: null, passReason: "key-too-long" };
  return { kind: "origin", origin, originPath, cache: placement };
}
