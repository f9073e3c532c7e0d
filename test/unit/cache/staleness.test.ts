// Issue 14: the configured intervals (a minute for feeds, five minutes for the object entries of
// assets) and the freshness phases they give, pinned here with the real table. The e2e file
// (test/e2e/cache-staleness.test.ts) runs the same machinery against the local R2 with
// seconds-long intervals given by Surrogate-Control.
//
// `pop` below is a model of one POP's copy of one object, driven by `freshnessOf` exactly as
// src/engine/cached.ts and src/engine/assets.ts use it: fresh → served; stale-while-revalidate →
// served at once, one background conditional request; stale-if-error → the request asks the
// origin first (conditional) and waits for it. It is what docs/caching.md's cost table is
// computed from.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readSegmentAnswer } from "../../../src/cache/asset-object.js";
import { segmentBytes } from "../../../src/cache/segments.js";
import { freshnessOf, retention, storePolicy } from "../../../src/cache/policy.js";
import { cacheTimes, stalenessBound, type CacheTimes } from "../../../src/config/cache-times.js";

const minute = 60;
const day = 86_400;

describe("the configured intervals", () => {
  it("a feed is never served more than 60 s, an asset's object entry 300 s, after the origin confirmed it", () => {
    expect(stalenessBound).toEqual({ feeds: 60, assets: 300 });
    expect(cacheTimes.feeds.fresh + cacheTimes.feeds.staleWhileRevalidate).toBe(60);
    expect(cacheTimes.assets.fresh + cacheTimes.assets.staleWhileRevalidate).toBe(300);
    expect(cacheTimes.feeds).toEqual({ fresh: 45, staleWhileRevalidate: 15, staleIfError: 7 * day });
    expect(cacheTimes.assets).toEqual({ fresh: 240, staleWhileRevalidate: 60, staleIfError: 7 * day });
  });

  it("the long stale-if-error windows stay, and the app and nightly rows are the spec's", () => {
    expect(cacheTimes.feeds.staleIfError).toBe(7 * day);
    expect(cacheTimes.assets.staleIfError).toBe(7 * day);
    expect(cacheTimes.app).toEqual({ fresh: minute, staleWhileRevalidate: day, staleIfError: day });
    expect(cacheTimes.nightly).toEqual({ fresh: minute, staleWhileRevalidate: day, staleIfError: day });
    // Core Cache keeps the copy for the whole stale-if-error window past its fresh time.
    expect(retention(cacheTimes.assets)).toEqual({ maxAgeMs: 240_000, staleMs: 7 * day * 1000 });
  });

  it("are what a feed and an mp3 from the origin are stored with (no Surrogate-Control)", () => {
    const feed = new Headers({ "content-type": "application/xml", "content-length": "10", etag: '"f1"' });
    expect(storePolicy("feeds", 200, feed)).toMatchObject({ store: true, times: cacheTimes.feeds });
    const segment = new Headers({ "content-range": "bytes 0-2097151/5000000", etag: '"m1"', "content-type": "audio/mpeg" });
    const read = readSegmentAnswer(206, segment, 0, segmentBytes);
    expect(read.kind === "object" && read.object.times).toEqual(cacheTimes.assets);
  });
});

describe("the freshness phases with the new intervals", () => {
  it("feeds: fresh for 45 s, then 15 s served while revalidating, then asked first for 7 days", () => {
    const t = cacheTimes.feeds;
    expect(freshnessOf(0, t)).toBe("fresh");
    expect(freshnessOf(44.9, t)).toBe("fresh");
    expect(freshnessOf(45, t)).toBe("stale-while-revalidate");
    expect(freshnessOf(59.9, t)).toBe("stale-while-revalidate");
    expect(freshnessOf(60, t)).toBe("stale-if-error");
    expect(freshnessOf(45 + 7 * day - 0.1, t)).toBe("stale-if-error");
    expect(freshnessOf(45 + 7 * day, t)).toBe("expired");
  });

  it("assets: fresh for 4 minutes, then 1 minute served while revalidating, then asked first for 7 days", () => {
    const t = cacheTimes.assets;
    expect(freshnessOf(0, t)).toBe("fresh");
    expect(freshnessOf(239.9, t)).toBe("fresh");
    expect(freshnessOf(240, t)).toBe("stale-while-revalidate");
    expect(freshnessOf(299.9, t)).toBe("stale-while-revalidate");
    expect(freshnessOf(300, t)).toBe("stale-if-error");
    expect(freshnessOf(240 + 7 * day - 0.1, t)).toBe("stale-if-error");
    expect(freshnessOf(240 + 7 * day, t)).toBe("expired");
  });

  it("the old 12 h / 1 day rows served a copy up to 36 h / 3 days old without asking", () => {
    const old = { feeds: { fresh: 12 * 3600, staleWhileRevalidate: day, staleIfError: 7 * day }, assets: { fresh: day, staleWhileRevalidate: 2 * day, staleIfError: 7 * day } };
    expect(freshnessOf(36 * 3600 - 1, old.feeds)).toBe("stale-while-revalidate");
    expect(freshnessOf(3 * day - 1, old.assets)).toBe("stale-while-revalidate");
  });
});

/** One POP's copy of one object under a sequence of requests (times in seconds, ascending). */
function pop(times: CacheTimes, requests: readonly number[], options: { changedAt?: number; rtt?: number } = {}) {
  const rtt = options.rtt ?? 0.1;
  const originVersion = (t: number) => (options.changedAt !== undefined && t >= options.changedAt ? 2 : 1);
  // The copy: which version, and when the origin last confirmed it (its age restarts then).
  let copy = { version: originVersion(requests[0]!), confirmedAt: requests[0]! + rtt };
  let inFlightUntil = -Infinity;
  const origin: { at: number; answer: 200 | 304; waited: boolean }[] = [{ at: requests[0]!, answer: 200, waited: true }];
  const served: { at: number; version: number }[] = [{ at: requests[0]! + rtt, version: copy.version }];
  for (const t of requests.slice(1)) {
    const phase = freshnessOf(t - copy.confirmedAt, times);
    if (phase === "fresh" || t < inFlightUntil) {
      served.push({ at: t, version: copy.version });
      continue;
    }
    const version = originVersion(t);
    const answer = version === copy.version ? 304 : 200;
    if (phase === "stale-while-revalidate") {
      served.push({ at: t, version: copy.version });
      origin.push({ at: t, answer, waited: false });
      inFlightUntil = t + rtt;
      copy = { version, confirmedAt: t + rtt };
    } else {
      origin.push({ at: t, answer, waited: true });
      copy = { version, confirmedAt: t + rtt };
      served.push({ at: t + rtt, version });
    }
  }
  return { origin, served };
}

const every = (gap: number, until: number, from = 0) => Array.from({ length: Math.floor((until - from) / gap) }, (_, i) => from + i * gap);

describe("one POP, one object, an hour", () => {
  it("an unchanged feed polled every 5 s: one 304 per fresh period, none of them waited for, never a 200 after the first", () => {
    const { origin } = pop(cacheTimes.feeds, every(5, 3600));
    const revalidations = origin.slice(1);
    // The 45 s run from the 304's arrival (a round trip after the poll that asked), so the next
    // poll to find the copy stale is 50 s later: 72 origin requests in the hour, the first a 200.
    expect(revalidations).toHaveLength(3600 / 50 - 1);
    expect(revalidations.every((r) => r.answer === 304 && !r.waited)).toBe(true);
  });

  it("an unchanged episode requested every 5 s: one 304 per 4 minutes (and a poll)", () => {
    const { origin } = pop(cacheTimes.assets, every(5, 3600));
    // Every 245 s: 15 origin requests in the hour (at 0, 245, …, 3430), the first a 200.
    expect(origin.slice(1)).toHaveLength(14);
    expect(origin.slice(1).every((r) => r.answer === 304 && !r.waited)).toBe(true);
  });

  it("a feed asked for every 2 minutes (a quiet POP): each request asks the origin first, one 304 each", () => {
    const { origin } = pop(cacheTimes.feeds, every(120, 3600));
    expect(origin.slice(1)).toHaveLength(29);
    expect(origin.slice(1).every((r) => r.answer === 304 && r.waited)).toBe(true);
  });

  it("an episode asked for every 2 minutes: every third request asks the origin first (past the 5 minutes), one 304 each", () => {
    const { origin } = pop(cacheTimes.assets, every(120, 3600));
    expect(origin.slice(1)).toHaveLength(9);
    expect(origin.slice(1).every((r) => r.answer === 304 && r.waited)).toBe(true);
  });

  it("whatever the requests, origin requests are at least a fresh period apart: at most 3600 / fresh an hour", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.2, max: 300, noNaN: true }), { minLength: 1, maxLength: 400 }), fc.constantFrom("feeds" as const, "assets" as const), (gaps, name) => {
        const requests = gaps.reduce<number[]>((at, gap) => [...at, (at.at(-1) ?? 0) + gap], [0]);
        const { origin } = pop(cacheTimes[name], requests);
        for (let i = 1; i < origin.length; i++) expect(origin[i]!.at - origin[i - 1]!.at).toBeGreaterThanOrEqual(cacheTimes[name].fresh);
      }),
    );
  });

  it("whatever the requests and whenever the change, every answer from the bound (plus a round trip) on is the new version", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.2, max: 400, noNaN: true }), { minLength: 2, maxLength: 300 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom("feeds" as const, "assets" as const),
        (gaps, where, name) => {
          const requests = gaps.reduce<number[]>((at, gap) => [...at, (at.at(-1) ?? 0) + gap], [0]);
          const changedAt = where * requests.at(-1)!;
          const rtt = 0.1;
          const { served } = pop(cacheTimes[name], requests, { changedAt, rtt });
          for (const answer of served) if (answer.at >= changedAt + stalenessBound[name] + rtt) expect(answer.version).toBe(2);
        },
      ),
    );
  });

  it("a client polling a feed every 5 s sees a change within a minute, and gets the old copy at once until then", () => {
    for (let changedAt = 1; changedAt < 120; changedAt += 7) {
      const { served, origin } = pop(cacheTimes.feeds, every(5, 600), { changedAt });
      const first = served.find((s) => s.version === 2)!;
      expect(first.at - changedAt).toBeLessThanOrEqual(60);
      expect(origin.slice(1).every((r) => !r.waited)).toBe(true);
      expect(origin.filter((r) => r.answer === 200)).toHaveLength(2);
    }
  });
});
