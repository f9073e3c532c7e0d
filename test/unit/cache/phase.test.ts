// The one phase decision both cache engines branch on (src/cache/phase.ts): every combination of
// what a lookup can find, as properties over any times and ages, and the boundaries of each
// window with the configured tables.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decidePhase, phaseOf, type LookupFacts, type PhaseDecision } from "../../../src/cache/phase.js";
import { retention } from "../../../src/cache/policy.js";
import { cacheTimes, type CacheTimes } from "../../../src/config/cache-times.js";

const times: fc.Arbitrary<CacheTimes> = fc.record({
  fresh: fc.integer({ min: 0, max: 400 * 86_400 }),
  staleWhileRevalidate: fc.integer({ min: 0, max: 400 * 86_400 }),
  staleIfError: fc.integer({ min: 0, max: 400 * 86_400 }),
});

const facts: fc.Arbitrary<LookupFacts> = fc.record({
  found: fc.boolean(),
  times: fc.option(times, { nil: null }),
  ageSeconds: fc.double({ min: 0, max: 900 * 86_400, noNaN: true }),
  stale: fc.boolean(),
  obligated: fc.boolean(),
});

/** A found copy of ours, of any age. */
const copy: fc.Arbitrary<LookupFacts & { times: CacheTimes }> = fc.record({
  found: fc.constant(true),
  times,
  ageSeconds: fc.double({ min: 0, max: 900 * 86_400, noNaN: true }),
  stale: fc.boolean(),
  obligated: fc.boolean(),
});

/** Whether acting on `decision` sends a request to the origin before the client is answered. */
const asksOriginFirst = (decision: PhaseDecision) => ["revalidate", "fetch", "uncollapsed"].includes(decision.action);
/** Whether acting on `decision` sends this request's client a stored copy (at once). */
const servesCopy = (decision: PhaseDecision) => decision.action === "serve-fresh" || decision.action === "serve-stale";
const lifetime = (t: CacheTimes) => t.fresh + Math.max(t.staleWhileRevalidate, t.staleIfError);

describe("decidePhase", () => {
  it("without a copy of ours, the obligated request fetches and any other goes to the origin alone", () => {
    fc.assert(
      fc.property(facts, (f) => {
        const none = { ...f, found: false };
        expect(decidePhase(none)).toEqual(f.obligated ? { action: "fetch" } : { action: "uncollapsed" });
        const unreadable = { ...f, times: null };
        expect(decidePhase(unreadable)).toEqual(f.obligated ? { action: "fetch" } : { action: "uncollapsed" });
      }),
    );
  });

  it("a hit exactly when the copy is younger than its fresh time and not soft-purged", () => {
    fc.assert(
      fc.property(copy, (f) => {
        const hit = decidePhase(f).action === "serve-fresh";
        expect(hit).toBe(f.ageSeconds < f.times.fresh && !f.stale);
      }),
    );
  });

  it("only the obligated request ever asks the origin or refreshes; the others are answered from the copy while one is usable", () => {
    fc.assert(
      fc.property(copy, (f) => {
        const waiting = decidePhase({ ...f, obligated: false });
        if (f.ageSeconds < lifetime(f.times)) expect(servesCopy(waiting)).toBe(true);
        expect(waiting).not.toMatchObject({ refresh: true });
        expect(["revalidate", "fetch"]).not.toContain(waiting.action);
      }),
    );
  });

  it("one request of any number looking at the same copy refreshes it: the obligated one, in the background or first", () => {
    fc.assert(
      fc.property(copy, fc.integer({ min: 1, max: 20 }), (f, others) => {
        const decisions = [decidePhase({ ...f, obligated: true }), ...Array.from({ length: others }, () => decidePhase({ ...f, obligated: false }))];
        const refreshing = decisions.filter((d) => (d.action === "serve-stale" && d.refresh) || d.action === "revalidate" || d.action === "fetch");
        const phase = phaseOf(f.ageSeconds, f.times, f.stale);
        expect(refreshing.length).toBe(phase === "fresh" ? 0 : 1);
      }),
    );
  });

  it("the client waits for the origin only past stale-while-revalidate, and then keeps the copy for stale-if-error", () => {
    fc.assert(
      fc.property(copy, (f) => {
        const decision = decidePhase({ ...f, obligated: true });
        const age = f.ageSeconds;
        const t = f.times;
        if (age < t.fresh + t.staleWhileRevalidate) expect(asksOriginFirst(decision)).toBe(false);
        else if (age < lifetime(t)) expect(decision).toEqual({ action: "revalidate" });
        else expect(decision).toEqual({ action: "fetch" });
      }),
    );
  });

  it("never serves a copy past fresh + the longer stale window, which is exactly as long as Core Cache keeps it usable", () => {
    fc.assert(
      fc.property(copy, (f) => {
        const { maxAgeMs, staleMs } = retention(f.times);
        const usableInCoreCache = f.ageSeconds * 1000 < maxAgeMs + staleMs;
        const decision = decidePhase(f);
        expect(servesCopy(decision) || decision.action === "revalidate").toBe(usableInCoreCache);
      }),
    );
  });

  it("a soft purge (the stale flag) only turns a fresh copy into one served while revalidating", () => {
    fc.assert(
      fc.property(copy, (f) => {
        const purged = decidePhase({ ...f, stale: true });
        const unpurged = decidePhase({ ...f, stale: false });
        if (f.ageSeconds < f.times.fresh) {
          expect(unpurged).toEqual({ action: "serve-fresh" });
          expect(purged).toEqual({ action: "serve-stale", phase: "stale-while-revalidate", refresh: f.obligated });
        } else {
          expect(purged).toEqual(unpurged);
        }
      }),
    );
  });

  it("names the window a stale copy is served in", () => {
    fc.assert(
      fc.property(copy, (f) => {
        const decision = decidePhase(f);
        if (decision.action !== "serve-stale") return;
        expect(decision.phase).toBe(phaseOf(f.ageSeconds, f.times, f.stale));
      }),
    );
  });
});

describe("the windows' boundaries with the configured times", () => {
  const at = (ageSeconds: number, t: CacheTimes, rest: Partial<LookupFacts> = {}) =>
    decidePhase({ found: true, times: t, ageSeconds, stale: false, obligated: true, ...rest });

  it("feeds: 45 s fresh, 15 s in the background, then asked first for 7 days", () => {
    const t = cacheTimes.feeds;
    expect(at(44.999, t)).toEqual({ action: "serve-fresh" });
    expect(at(45, t, { stale: true })).toEqual({ action: "serve-stale", phase: "stale-while-revalidate", refresh: true });
    expect(at(45, t, { stale: true, obligated: false })).toEqual({ action: "serve-stale", phase: "stale-while-revalidate", refresh: false });
    expect(at(59.999, t, { stale: true })).toEqual({ action: "serve-stale", phase: "stale-while-revalidate", refresh: true });
    expect(at(60, t, { stale: true })).toEqual({ action: "revalidate" });
    expect(at(60, t, { stale: true, obligated: false })).toEqual({ action: "serve-stale", phase: "stale-if-error", refresh: false });
    expect(at(45 + 7 * 86_400 - 0.001, t, { stale: true })).toEqual({ action: "revalidate" });
    expect(at(45 + 7 * 86_400, t, { stale: true })).toEqual({ action: "fetch" });
    expect(at(45 + 7 * 86_400, t, { stale: true, obligated: false })).toEqual({ action: "uncollapsed" });
  });

  it("app: a day of stale-while-revalidate as long as stale-if-error leaves no window to ask first in", () => {
    const t = cacheTimes.app;
    expect(at(60 + 86_400 - 1, t, { stale: true })).toEqual({ action: "serve-stale", phase: "stale-while-revalidate", refresh: true });
    expect(at(60 + 86_400, t, { stale: true })).toEqual({ action: "fetch" });
  });

  it("a copy with no fresh time is stale from the start", () => {
    const t = { fresh: 0, staleWhileRevalidate: 0, staleIfError: 10 };
    expect(at(0, t)).toEqual({ action: "revalidate" });
    expect(at(10, t)).toEqual({ action: "fetch" });
  });
});
