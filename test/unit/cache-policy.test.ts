import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cacheTimes } from "../../src/config/cache-times.js";
import { originNames } from "../../src/config/origins.js";
import { writtenBodyBytes } from "../../src/cache/asset-delivery.js";
import { bodyCheck, bodyHome, freshnessOf, retention, storePolicy } from "../../src/cache/policy.js";

const h = (init: Record<string, string> = {}) => new Headers(init);

describe("storePolicy", () => {
  for (const origin of originNames) {
    it(`stores a plain 200 from ${origin} for its table times`, () => {
      expect(storePolicy(origin, 200, h())).toEqual({ store: true, times: cacheTimes[origin], surrogateKeys: [] });
    });
  }

  it("never stores 5xx", () => {
    for (const status of [500, 502, 503, 504]) {
      expect(storePolicy("app", status, h())).toEqual({ store: false, reason: "status-5xx" });
    }
  });

  it("never stores Set-Cookie, private, no-store or no-cache", () => {
    expect(storePolicy("app", 200, h({ "set-cookie": "a=b" }))).toMatchObject({ store: false, reason: "set-cookie" });
    expect(storePolicy("app", 200, h({ "cache-control": "max-age=0, private, must-revalidate" }))).toMatchObject({
      store: false,
      reason: "cache-control-private",
    });
    expect(storePolicy("feeds", 200, h({ "cache-control": "no-store" }))).toMatchObject({ store: false });
    expect(storePolicy("feeds", 200, h({ "cache-control": "No-Cache" }))).toMatchObject({ store: false });
    expect(storePolicy("app", 200, h({ "surrogate-control": "no-store" }))).toMatchObject({ store: false });
  });

  it("does not store partial or unusual statuses", () => {
    expect(storePolicy("assets", 206, h())).toMatchObject({ store: false, reason: "status-206" });
    expect(storePolicy("app", 304, h())).toMatchObject({ store: false });
    expect(storePolicy("app", 302, h())).toMatchObject({ store: false });
  });

  it("lets Surrogate-Control max-age override the fresh time, not Cache-Control", () => {
    const decision = storePolicy("app", 200, h({ "surrogate-control": "max-age=300", "cache-control": "public, max-age=5" }));
    expect(decision).toMatchObject({ store: true, times: { ...cacheTimes.app, fresh: 300 } });
    expect(storePolicy("app", 200, h({ "cache-control": "public, max-age=5" }))).toMatchObject({
      times: cacheTimes.app,
    });
  });

  it("takes the stale windows from Surrogate-Control (RFC 5861 directives)", () => {
    expect(
      storePolicy("feeds", 200, h({ "surrogate-control": "max-age=1, stale-while-revalidate=0, stale-if-error=3600" })),
    ).toMatchObject({ times: { fresh: 1, staleWhileRevalidate: 0, staleIfError: 3600 } });
  });

  it("keeps the origin's surrogate keys", () => {
    expect(storePolicy("app", 200, h({ "surrogate-key": "page episode-42" }))).toMatchObject({
      surrogateKeys: ["page", "episode-42"],
    });
  });

  it("ignores a malformed Surrogate-Control max-age", () => {
    expect(storePolicy("app", 200, h({ "surrogate-control": "max-age=abc" }))).toMatchObject({ times: cacheTimes.app });
  });
});

describe("freshnessOf", () => {
  const t = { fresh: 60, staleWhileRevalidate: 100, staleIfError: 1000 };
  it("walks through the phases at their boundaries", () => {
    expect(freshnessOf(0, t)).toBe("fresh");
    expect(freshnessOf(59.9, t)).toBe("fresh");
    expect(freshnessOf(60, t)).toBe("stale-while-revalidate");
    expect(freshnessOf(159.9, t)).toBe("stale-while-revalidate");
    expect(freshnessOf(160, t)).toBe("stale-if-error");
    expect(freshnessOf(1059.9, t)).toBe("stale-if-error");
    expect(freshnessOf(1060, t)).toBe("expired");
  });

  it("never goes back to an earlier phase as an object ages", () => {
    const order = ["fresh", "stale-while-revalidate", "stale-if-error", "expired"];
    fc.assert(
      fc.property(fc.nat(10_000_000), fc.nat(10_000_000), fc.constantFrom(...originNames), (a, b, origin) => {
        const [young, old] = a < b ? [a, b] : [b, a];
        expect(order.indexOf(freshnessOf(young, cacheTimes[origin]))).toBeLessThanOrEqual(
          order.indexOf(freshnessOf(old, cacheTimes[origin])),
        );
      }),
    );
  });

  it("keeps objects in Core Cache exactly as long as either stale window", () => {
    // Feeds are fresh for 45 s (issue 14) and kept for the 7 days of stale-if-error after that.
    expect(retention(cacheTimes.feeds)).toEqual({ maxAgeMs: 45 * 1000, staleMs: 7 * 86400 * 1000 });
  });
});

describe("bodyHome", () => {
  const home = (headers: Record<string, string>) => bodyHome(bodyCheck(200, h(headers)), h(headers));

  it("keeps a declared body of at most one answer in Core Cache, a larger one in the readthrough cache", () => {
    expect(home({ "content-length": "0" })).toBe("core-cache");
    expect(home({ "content-length": String(writtenBodyBytes) })).toBe("core-cache");
    expect(home({ "content-length": ` ${writtenBodyBytes + 1} ` })).toBe("http-cache");
    expect(home({ "content-length": String(300 * 1024 * 1024) })).toBe("http-cache");
  });

  it("keeps chunked and bodiless answers in Core Cache (their length is not known up front)", () => {
    expect(home({ "transfer-encoding": "chunked", "content-length": String(writtenBodyBytes * 4) })).toBe("core-cache");
    expect(bodyHome(bodyCheck(204, h({ "content-length": "9999999" })), h({ "content-length": "9999999" }))).toBe("core-cache");
  });
});
