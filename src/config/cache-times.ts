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
