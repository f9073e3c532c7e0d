// Where Core Cache under Viceroy differs from production, handled once for both stores
// (src/edge/cached.ts, src/edge/segment-store.ts). See docs/caching.md, "Viceroy versus production".

import { CoreCache, type CacheEntry } from "fastly:cache";

/**
 * Overwrites a key with an empty, already-expired entry that carries none of our user metadata,
 * which both stores treat as no copy. Core Cache has no per-key removal, and while production
 * drops an abandoned insert by itself, Viceroy keeps it, found but failing every read.
 */
export function evict(key: string): void {
  try {
    CoreCache.insert(key, { maxAge: 0, length: 0, userMetadata: "" }).close();
  } catch (error) {
    console.error(`could not evict ${key}: ${String(error)}`);
  }
}

/** How often the entry has been served; Viceroy does not implement this (it throws "unsupported"). */
export function hitsOf(entry: CacheEntry): number | undefined {
  try {
    return entry.hits();
  } catch {
    return undefined;
  }
}
