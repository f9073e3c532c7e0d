import { describe, expect, it } from "vitest";
import { writtenBodyBytes } from "../../../src/cache/asset-delivery.js";
import { cacheHeaders } from "../../../src/cache/cache-status.js";
import { storePolicy } from "../../../src/cache/policy.js";
import { segmentBytes, segmentIndexOf, segmentRange } from "../../../src/cache/segments.js";
import { chainedCacheHeaders, goesThroughShield, segmentSizeFor, tierSurrogateControl, upstreamCacheHeaders, type ShieldRouteQuestion } from "../../../src/cache/tiers.js";
import { cacheTimes } from "../../../src/config/cache-times.js";
import { originNames } from "../../../src/config/origins.js";
import { shieldedOrigins } from "../../../src/config/shielding.js";

const ask = (q: Partial<ShieldRouteQuestion>): boolean =>
  goesThroughShield({ role: "edge", origin: "assets", method: "GET", pass: false, shieldDown: false, fromPop: false, ...q });

describe("which origin requests go through the shield", () => {
  it("a POP sends cacheable GETs and HEADs for shielded origins through the shield", () => {
    for (const origin of originNames) {
      for (const method of ["GET", "HEAD"]) expect(ask({ origin, method }), `${method} ${origin}`).toBe(shieldedOrigins[origin]);
    }
    expect(shieldedOrigins).toMatchObject({ assets: true, feeds: true, nightly: true, app: false });
  });

  it("the shield itself, and an edge without a usable shield, go to the origins", () => {
    expect(ask({ role: "shield" })).toBe(false);
    expect(ask({ role: "single" })).toBe(false);
  });

  it("a request that came from a POP is never sent through a shield again, wherever it landed", () => {
    expect(ask({ fromPop: true })).toBe(false);
    expect(ask({ fromPop: true, role: "shield" })).toBe(false);
  });

  it("passes, other methods, and requests after the shield was unreachable go to the origin", () => {
    expect(ask({ pass: true })).toBe(false);
    for (const method of ["POST", "PUT", "DELETE", "OPTIONS", "PURGE"]) expect(ask({ method }), method).toBe(false);
    expect(ask({ shieldDown: true })).toBe(false);
  });
});

describe("the segment size a POP cuts objects into", () => {
  it("through the shield, one segment is one answer the shield may write", () => {
    expect(segmentSizeFor(true)).toBe(writtenBodyBytes);
    expect(segmentSizeFor(false)).toBe(segmentBytes);
  });

  it("every POP segment lies inside one of the shield's segments, so one shield request reads one entry", () => {
    const pop = segmentSizeFor(true);
    const size = 300_000_000;
    for (let index = 0; index * pop < size; index += 37) {
      const range = segmentRange(index, size, pop);
      expect(segmentIndexOf(range.start, segmentBytes), `segment ${index}`).toBe(segmentIndexOf(range.end, segmentBytes));
      expect(range.end - range.start + 1).toBeLessThanOrEqual(writtenBodyBytes);
    }
  });
});

describe("what the shield tells a POP about keeping its answer", () => {
  it("the POP's policy reads back exactly the times the shield stored under", () => {
    for (const origin of ["assets", "feeds", "nightly"] as const) {
      const times = { fresh: 45, staleWhileRevalidate: 15, staleIfError: 604800 };
      const headers = new Headers({ "surrogate-control": tierSurrogateControl(times), etag: '"x"' });
      expect(storePolicy(origin, 200, headers)).toMatchObject({ store: true, times });
      const table = cacheTimes[origin];
      expect(storePolicy(origin, 200, new Headers({ "surrogate-control": tierSurrogateControl(table) }))).toMatchObject({ times: table });
    }
  });

  it("never writes a fraction or a negative number", () => {
    expect(tierSurrogateControl({ fresh: 2.9, staleWhileRevalidate: -1, staleIfError: 0 })).toBe("max-age=2, stale-while-revalidate=0, stale-if-error=0");
  });
});

describe("cache headers across both tiers", () => {
  const shieldNode = { pop: "IAD", region: "US-East", hostname: "cache-iad-kiad7000001" };
  const popNode = { pop: "LHR", region: "EU-West", hostname: "cache-lhr-egll1980020" };

  it("lists the shield's entry first and this POP's last (RFC 9211), X-Served-By and X-Cache alike", () => {
    const shield = new Headers(cacheHeaders({ state: "miss", fwd: "uri-miss", stored: true, ttl: 240, origin: "assets" }, shieldNode, true));
    const pop = cacheHeaders({ state: "miss", fwd: "uri-miss", stored: true, ttl: 240, age: 3, origin: "assets" }, popNode);
    const chained = chainedCacheHeaders(upstreamCacheHeaders(shield), pop);
    expect(chained["cache-status"]).toBe(
      'changelog-edge; fwd=uri-miss; stored; ttl=240; detail="pop=IAD region=US-East tier=shield origin=assets", ' +
        'changelog-edge; fwd=uri-miss; stored; ttl=240; detail="pop=LHR region=EU-West origin=assets"',
    );
    expect(chained["x-served-by"]).toBe("cache-iad-kiad7000001-IAD, cache-lhr-egll1980020-LHR");
    expect(chained["x-cache"]).toBe("MISS, MISS");
    // Age and the hit count stay this POP's own.
    expect(chained.age).toBe("3");
    expect(chained["x-cache-hits"]).toBe("0");
  });

  it("is this POP's alone when the shield did not handle the request", () => {
    const pop = cacheHeaders({ state: "hit", ttl: 100, hits: 4, origin: "feeds" }, popNode);
    expect(chainedCacheHeaders(null, pop)).toEqual(pop);
  });

  it("ignores what an answer without cache headers says", () => {
    const pop = cacheHeaders({ state: "miss", fwd: "uri-miss", origin: "feeds" }, popNode);
    expect(chainedCacheHeaders(upstreamCacheHeaders(new Headers()), pop)).toEqual(pop);
  });
});
