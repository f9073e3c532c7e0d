// How long each origin's responses stay fresh, then usable while revalidating, then usable
// when the origin fails. Seconds, from the spec's caching table.

import type { OriginName } from "./origins.js";

export interface CacheTimes {
  readonly fresh: number;
  readonly staleWhileRevalidate: number;
  readonly staleIfError: number;
}

const minute = 60;
const hour = 60 * minute;
const day = 24 * hour;

export const cacheTimes: Readonly<Record<OriginName, CacheTimes>> = {
  app: { fresh: minute, staleWhileRevalidate: day, staleIfError: day },
  feeds: { fresh: 12 * hour, staleWhileRevalidate: day, staleIfError: 7 * day },
  assets: { fresh: day, staleWhileRevalidate: 2 * day, staleIfError: 7 * day },
  nightly: { fresh: minute, staleWhileRevalidate: day, staleIfError: day },
};

/**
 * How long the assets store remembers that an object cannot be stored (no-store, private, no
 * validators, an origin that bends Range): Varnish's hit-for-pass. Meanwhile each request for it
 * costs one origin request, its own, instead of a probe for a segment and then the pass. Two
 * minutes, as Varnish's default, so an object the origin fixes is cached again soon.
 */
export const hitForPassSeconds = 120;
