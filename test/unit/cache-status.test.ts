import { describe, expect, it } from "vitest";
import { cacheHeaders, cacheStatus } from "../../src/cache/cache-status.js";

const servedBy = { pop: "LHR", region: "EU-West", hostname: "lhr1234" };

describe("Cache-Status (RFC 9211)", () => {
  it("names the edge, says hit with ttl, and details POP, region and origin", () => {
    expect(cacheStatus({ state: "hit", ttl: 3599.7, hits: 3, origin: "assets" }, servedBy)).toBe(
      'changelog-edge; hit; ttl=3599; detail="pop=LHR region=EU-West origin=assets"',
    );
  });

  it("says fwd=uri-miss and stored for a stored miss", () => {
    expect(cacheStatus({ state: "miss", fwd: "uri-miss", stored: true, ttl: 60, origin: "app" }, servedBy)).toBe(
      'changelog-edge; fwd=uri-miss; stored; ttl=60; detail="pop=LHR region=EU-West origin=app"',
    );
  });

  it("marks stale hits and their reason in detail", () => {
    expect(cacheStatus({ state: "stale", ttl: -5, origin: "feeds", note: "stale-if-error" }, servedBy)).toBe(
      'changelog-edge; hit; ttl=-5; detail="pop=LHR region=EU-West origin=feeds stale stale-if-error"',
    );
  });

  it("calls edge answers by the edge's name", () => {
    expect(cacheStatus({ state: "edge" }, servedBy)).toBe('changelog-edge; detail="pop=LHR region=EU-West origin=edge"');
  });

  it("names the node like Fastly's server.identity, whether or not the host name says cache-", () => {
    expect(cacheHeaders({ state: "edge" }, { pop: "IAD", region: "US-East", hostname: "cache-iad-kcgs7200110" })["x-served-by"]).toBe(
      "cache-iad-kcgs7200110-IAD",
    );
  });

  it("leaves X-Cache-Hits out when the platform cannot count hits", () => {
    expect(cacheHeaders({ state: "hit", origin: "app" }, servedBy)["x-cache-hits"]).toBeUndefined();
  });

  it("derives X-Cache, X-Cache-Hits, Age and X-Served-By from the same outcome", () => {
    expect(cacheHeaders({ state: "hit", hits: 4, age: 12.9, origin: "app" }, servedBy)).toMatchObject({
      "x-cache": "HIT",
      "x-cache-hits": "4",
      age: "12",
      "x-served-by": "cache-lhr1234-LHR",
    });
    expect(cacheHeaders({ state: "pass", fwd: "bypass", origin: "app" }, servedBy)).toMatchObject({
      "x-cache": "MISS",
      "x-cache-hits": "0",
      age: "0",
    });
  });
});
