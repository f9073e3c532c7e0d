// How long each origin's responses stay fresh, then usable while revalidating, then usable
// when the origin fails. Seconds. The app and nightly rows are the spec's caching table; the
// feeds and assets rows are not (issue 14, docs/caching.md "Bounded staleness"): they are
// revalidated on a short interval so that a new episode reaches listeners without any purge.

import type { OriginName } from "./origins.js";

export interface CacheTimes {
  readonly fresh: number;
  readonly staleWhileRevalidate: number;
  readonly staleIfError: number;
}

const minute = 60;
const hour = 60 * minute;
const day = 24 * hour;

/**
 * The longest a copy of a feed or of an asset's object entry is served after the origin last
 * confirmed it, at any POP and whatever the traffic: `fresh + staleWhileRevalidate`. Past that
 * a request asks the origin first (a conditional request, `304` when nothing changed) and gets
 * the stale copy only if the origin fails (the long stale-if-error windows). Within it, a copy
 * past `fresh` is served at once and revalidated in the background.
 */
export const stalenessBound = { feeds: minute, assets: 5 * minute } as const;

export const cacheTimes: Readonly<Record<OriginName, CacheTimes>> = {
  app: { fresh: minute, staleWhileRevalidate: day, staleIfError: day },
  // A changed feed is served within a minute of the change: revalidated every 45 s under
  // traffic, at most 60 s old (stalenessBound.feeds).
  feeds: { fresh: 45, staleWhileRevalidate: 15, staleIfError: 7 * day },
  // A replaced mp3 (new ETag) is served within 5 minutes: the object entry is revalidated every
  // 4 minutes under traffic, at most 5 old (stalenessBound.assets). Its segments are keyed by
  // the version, so a 304 refetches no bytes and a new ETag never mixes with the old.
  assets: { fresh: 4 * minute, staleWhileRevalidate: minute, staleIfError: 7 * day },
  nightly: { fresh: minute, staleWhileRevalidate: day, staleIfError: day },
};

/**
 * The times the edge gives browsers and other caches for what it serves as an asset itself
 * (`/embed.js`, rule 11: "cache it like an asset"): the spec's assets row. The edge revalidates
 * its own copies of assets far more often (`cacheTimes.assets`, so that a replaced mp3 shows up
 * within minutes), which is no reason for browsers to fetch a script that changes only with a
 * deploy more than daily.
 */
export const browserAssetTimes: CacheTimes = { fresh: day, staleWhileRevalidate: 2 * day, staleIfError: 7 * day };

/**
 * How long the assets store remembers that an object cannot be stored (no-store, private, no
 * validators, an origin that bends Range): Varnish's hit-for-pass. Meanwhile each request for it
 * costs one origin request, its own, instead of a probe for a segment and then the pass. Two
 * minutes, as Varnish's default, so an object the origin fixes is cached again soon.
 */
export const hitForPassSeconds = 120;
