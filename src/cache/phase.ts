// What to do with what one transactional lookup found: the one decision both cache engines
// (src/engine/cached.ts for pages, feeds and nightly; src/engine/assets.ts for the object entries
// of assets) branch on, so fresh, stale-while-revalidate, stale-if-error and collapsing mean the
// same on every route. Pure: the engine reads the facts off its lookup and acts on the answer.

import type { CacheTimes } from "../config/cache-times.js";
import { freshnessOf, type Freshness } from "./policy.js";
import type { StoreTransaction } from "./store.js";

/** What a transactional lookup found, as far as the phase decision needs it. */
export interface LookupFacts {
  /** Core Cache found an entry under the key (and the request's Vary headers). */
  readonly found: boolean;
  /**
   * The times the found entry was stored under, when it is a copy the engine can serve: null for
   * a tombstone left by an eviction, a foreign or undecodable entry, or what the engine itself
   * does not count as a copy (the assets store's hit-for-pass marker, when this request must
   * renew it).
   */
  readonly times: CacheTimes | null;
  /** The entry's age, seconds (its initial age included). */
  readonly ageSeconds: number;
  /** Core Cache's own stale flag: past its max age, or soft-purged. */
  readonly stale: boolean;
  /** This request holds the transaction's obligation to insert, update or cancel. */
  readonly obligated: boolean;
}

/**
 * The facts of a transactional lookup. `times` are those of the copy the engine decoded from the
 * entry's metadata (null when it found nothing it counts as a copy); only a found entry has an
 * age to ask for.
 */
export function factsOf(tx: StoreTransaction, times: CacheTimes | null): LookupFacts {
  const found = tx.found();
  return {
    found,
    times: found ? times : null,
    ageSeconds: found ? tx.age() / 1000 : 0,
    stale: found && tx.stale(),
    obligated: tx.mustInsertOrUpdate(),
  };
}

/**
 * - `serve-fresh`: answer from the copy (a hit);
 * - `serve-stale`: answer from the copy at once; `refresh` when this request must refresh it in
 *   the background (only the obligated one, and only within stale-while-revalidate), else
 *   another request already does;
 * - `revalidate`: past stale-while-revalidate and obligated: ask the origin first
 *   (conditionally), keeping the stale copy for when the origin fails (stale-if-error);
 * - `fetch`: no usable copy and obligated: fetch and insert; collapsed requests wait for it;
 * - `uncollapsed`: no usable copy and not obligated (the request that held the obligation gave
 *   it up, or the entry is unreadable): go to the origin for this request alone.
 */
export type PhaseDecision =
  | { readonly action: "serve-fresh" }
  | { readonly action: "serve-stale"; readonly phase: "stale-while-revalidate" | "stale-if-error"; readonly refresh: boolean }
  | { readonly action: "revalidate" }
  | { readonly action: "fetch" }
  | { readonly action: "uncollapsed" };

/**
 * The phase of a found copy. Core Cache knows one stale period; the edge tells the two windows
 * apart by age (`freshnessOf`). A soft purge marks an object stale without ageing it: a copy
 * fresh by age but stale by the flag is revalidated in the background, not served as a hit.
 */
export function phaseOf(ageSeconds: number, times: CacheTimes, stale: boolean): Freshness {
  const phase = freshnessOf(ageSeconds, times);
  return phase === "fresh" && stale ? "stale-while-revalidate" : phase;
}

export function decidePhase(facts: LookupFacts): PhaseDecision {
  const phase = facts.found && facts.times ? phaseOf(facts.ageSeconds, facts.times, facts.stale) : "expired";
  switch (phase) {
    case "fresh":
      // Core Cache gives no obligation with a fresh copy; were it to, closing the transaction
      // without an insert gives it up, and the copy is still the right answer.
      return { action: "serve-fresh" };
    case "stale-while-revalidate":
      return { action: "serve-stale", phase, refresh: facts.obligated };
    case "stale-if-error":
      // Only the obligated request waits for the origin; the others get the copy at once while
      // it asks (they would wait on its transaction otherwise, for a copy they may serve).
      return facts.obligated ? { action: "revalidate" } : { action: "serve-stale", phase, refresh: false };
    case "expired":
      // Past every window (Core Cache keeps an entry exactly that long, so only at the edge of
      // it), or nothing of ours: no copy to fall back on.
      return facts.obligated ? { action: "fetch" } : { action: "uncollapsed" };
  }
}

/**
 * The Cache-Status note of a stale copy served at once, the same on every route: `revalidating`
 * inside the stale-while-revalidate window (a refresh runs, this request's or another's),
 * `refresh-in-flight` past it, while another request asks the origin first.
 */
export function staleServedNote(decision: Extract<PhaseDecision, { action: "serve-stale" }>): "revalidating" | "refresh-in-flight" {
  return decision.phase === "stale-if-error" ? "refresh-in-flight" : "revalidating";
}
