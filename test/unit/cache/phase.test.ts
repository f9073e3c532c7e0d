// The one phase decision both cache engines branch on (src/cache/phase.ts): every combination of
// what a lookup can find, as properties over any times and ages, the boundaries of each window
// with the configured tables, and the decisions concurrent requests get from transactional
// lookups of a store (the in-memory one, with Core Cache's collapsing) that holds what the
// engines insert: the copy's times in its metadata, Core Cache's times from `retention`.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryStore } from "../../../src/cache/memory-store.js";
import { decidePhase, factsOf, phaseOf, staleServedNote, type LookupFacts, type PhaseDecision } from "../../../src/cache/phase.js";
import { retention } from "../../../src/cache/policy.js";
import { cacheTimes, type CacheTimes } from "../../../src/config/cache-times.js";

const times: fc.Arbitrary<CacheTimes> = fc.record({
  fresh: fc.integer({ min: 0, max: 400 * 86_400 }),
  staleWhileRevalidate: fc.integer({ min: 0, max: 400 * 86_400 }),
  staleIfError: fc.integer({ min: 0, max: 400 * 86_400 }),
});

const lifetime = (t: CacheTimes) => t.fresh + Math.max(t.staleWhileRevalidate, t.staleIfError);

/**
 * Ages spread over a copy's whole life and past it (to the millisecond, as Core Cache gives
 * them), and ages just either side of each window's boundary. (A plain `fc.double` would be
 * almost always below a second: every copy fresh.)
 */
function ageFor(t: CacheTimes): fc.Arbitrary<number> {
  const bounds = [0, t.fresh, t.fresh + t.staleWhileRevalidate, lifetime(t)];
  return fc.oneof(
    fc.integer({ min: 0, max: (lifetime(t) + 60) * 1000 }).map((ms) => ms / 1000),
    fc.tuple(fc.constantFrom(...bounds), fc.constantFrom(-0.001, 0, 0.001)).map(([at, by]) => Math.max(0, at + by)),
  );
}

/** A found copy of ours, of any age. */
const copy: fc.Arbitrary<LookupFacts & { times: CacheTimes }> = times.chain((t) =>
  fc.record({ found: fc.constant(true), times: fc.constant(t), ageSeconds: ageFor(t), stale: fc.boolean(), obligated: fc.boolean() }),
);

/** Anything a lookup can report, copies of ours or not. */
const facts: fc.Arbitrary<LookupFacts> = fc.oneof(
  copy,
  fc.record({ found: fc.boolean(), times: fc.constant(null), ageSeconds: fc.double({ min: 0, max: 900 * 86_400, noNaN: true }), stale: fc.boolean(), obligated: fc.boolean() }),
  copy.map((c) => ({ ...c, found: false })),
);

/** Whether acting on `decision` sends a request to the origin before the client is answered. */
const asksOriginFirst = (decision: PhaseDecision) => ["revalidate", "fetch", "uncollapsed"].includes(decision.action);
/** Whether acting on `decision` sends this request's client a stored copy (at once). */
const servesCopy = (decision: PhaseDecision) => decision.action === "serve-fresh" || decision.action === "serve-stale";

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

describe("decisions from transactional lookups, as the engines make them", () => {
  function pop(t: CacheTimes) {
    let now = 0;
    const store = new MemoryStore(() => now);
    const decide = async (headers?: Headers) => {
      const tx = await store.transactionLookup("k", headers);
      const metadata = tx.found() ? tx.userMetadata() : "";
      return { tx, decision: decidePhase(factsOf(tx, metadata ? (JSON.parse(metadata) as CacheTimes) : null)) };
    };
    const insertOptions = () => {
      const { maxAgeMs, staleMs } = retention(t);
      return { maxAge: maxAgeMs, staleWhileRevalidate: staleMs, userMetadata: JSON.stringify(t), surrogateKeys: ["url"] };
    };
    return { store, decide, insertOptions, advance: (s: number) => (now += s * 1000) };
  }

  it("two concurrent misses: the first fetches, the second waits and is then served what the first stored", async () => {
    const { decide, insertOptions } = pop(cacheTimes.feeds);
    const first = await decide();
    expect(first.decision).toEqual({ action: "fetch" });
    const second = decide();
    let woke = false;
    void second.then(() => (woke = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(woke).toBe(false);
    first.tx.insert(insertOptions()).close();
    expect((await second).decision).toEqual({ action: "serve-fresh" });
  });

  it("a fetch that fails and gives up its obligation makes the next waiter fetch, not go to the origin alone", async () => {
    const { decide } = pop(cacheTimes.feeds);
    const first = await decide();
    const second = decide();
    first.tx.cancel();
    expect((await second).decision).toEqual({ action: "fetch" });
  });

  it("through a copy's life: hits, then one background refresh among many, then one request asks first, then a miss", async () => {
    const t = cacheTimes.feeds;
    const { decide, insertOptions, advance } = pop(t);
    (await decide()).tx.insert(insertOptions()).close();
    const three = async () => {
      const looked = [await decide(), await decide(), await decide()];
      for (const { tx } of looked) tx.close();
      return looked.map((l) => l.decision);
    };

    advance(t.fresh - 1);
    expect(await three()).toEqual(Array(3).fill({ action: "serve-fresh" }));
    advance(1);
    const inWindow = { action: "serve-stale", phase: "stale-while-revalidate" };
    expect(await three()).toEqual([{ ...inWindow, refresh: true }, { ...inWindow, refresh: false }, { ...inWindow, refresh: false }]);
    advance(t.staleWhileRevalidate);
    const askedFirst = { action: "serve-stale", phase: "stale-if-error", refresh: false };
    expect(await three()).toEqual([{ action: "revalidate" }, askedFirst, askedFirst]);
    advance(t.staleIfError);
    const past = await decide();
    expect(past.decision).toEqual({ action: "fetch" });
  });

  it("a 304's update makes the copy fresh for everyone; a soft purge makes the next request refresh it in the background", async () => {
    const t = cacheTimes.assets;
    const { store, decide, insertOptions, advance } = pop(t);
    (await decide()).tx.insert(insertOptions()).close();
    advance(t.fresh + t.staleWhileRevalidate + 1);
    const asking = await decide();
    expect(asking.decision).toEqual({ action: "revalidate" });
    asking.tx.update({ ...insertOptions(), initialAge: 0 });
    expect((await decide()).decision).toEqual({ action: "serve-fresh" });

    store.purge("url", true);
    const refreshing = await decide();
    expect(refreshing.decision).toEqual({ action: "serve-stale", phase: "stale-while-revalidate", refresh: true });
    expect((await decide()).decision).toEqual({ action: "serve-stale", phase: "stale-while-revalidate", refresh: false });
  });

  it("for any times and age, of the requests looking at once exactly one refreshes a copy that is not fresh, and it is the first", async () => {
    await fc.assert(
      fc.asyncProperty(times.chain((t) => fc.tuple(fc.constant(t), ageFor(t))), fc.integer({ min: 2, max: 6 }), async ([t, age], n) => {
        const { decide, insertOptions, advance } = pop(t);
        (await decide()).tx.insert(insertOptions()).close();
        advance(age);
        const first = await decide();
        if (first.decision.action === "fetch") return; // past its life: the others wait on this one
        const rest = [];
        for (let i = 1; i < n; i++) rest.push((await decide()).decision);
        const refreshes = (d: PhaseDecision) => (d.action === "serve-stale" && d.refresh) || d.action === "revalidate";
        const fresh = first.decision.action === "serve-fresh";
        expect(refreshes(first.decision)).toBe(!fresh);
        expect(rest.filter(refreshes)).toEqual([]);
        expect(rest.every(servesCopy)).toBe(true);
      }),
    );
  });
});

describe("the generated lookups", () => {
  it("reach every decision often (else the properties above prove little)", () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(facts, (f) => {
        const d = decidePhase(f);
        const name = d.action === "serve-stale" ? `${d.action} ${d.phase} ${d.refresh}` : d.action;
        seen.set(name, (seen.get(name) ?? 0) + 1);
      }),
      { numRuns: 1000, seed: 12 },
    );
    for (const name of ["serve-fresh", "serve-stale stale-while-revalidate true", "serve-stale stale-while-revalidate false", "serve-stale stale-if-error false", "revalidate", "fetch", "uncollapsed"]) {
      expect(seen.get(name) ?? 0, name).toBeGreaterThanOrEqual(10); // 1% of the runs
    }
  });
});

describe("staleServedNote", () => {
  it("names a stale copy served at once the same way on every route", () => {
    expect(staleServedNote({ action: "serve-stale", phase: "stale-while-revalidate", refresh: true })).toBe("revalidating");
    expect(staleServedNote({ action: "serve-stale", phase: "stale-while-revalidate", refresh: false })).toBe("revalidating");
    expect(staleServedNote({ action: "serve-stale", phase: "stale-if-error", refresh: false })).toBe("refresh-in-flight");
  });
});
