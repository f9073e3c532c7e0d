// URL path and query handling for any request target a client can send (traversal, encoded
// nulls, broken escapes, backslashes, huge queries): what reaches an origin is a plain path the
// origin cannot read as a step outside it, percent escapes are never decoded on the way, the
// buckets never see a query, and every cache key fits Core Cache.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ToOrigin } from "../../../src/decision.js";
import { withoutDotSegments } from "../../../src/edge-request.js";
import { fitsCacheKey, maxCacheKeyBytes, originRouting, routeFor } from "../../../src/rules/origin-routing.js";
import { decide } from "../../../src/router.js";
import { hostileRequest, hostileTarget } from "./hostile.js";

const sites = ["changelog.com", "cdn.changelog.com", "nightly.changelog.com", "127.0.0.1"];
const anySite = fc.constantFrom(...sites);

/** RFC 3986 §5.2.4: the segments a path resolver (or an origin's file system) steps with. */
const dotSegment = /^(?:\.|%2e){1,2}$/i;

describe("the request view of any target", () => {
  it("has a path that starts with / and a query that is empty or starts with ?", () => {
    fc.assert(
      fc.property(anySite, hostileTarget, (host, target) => {
        const req = hostileRequest(host, target);
        expect(req.path.startsWith("/")).toBe(true);
        expect(req.query === "" || req.query.startsWith("?")).toBe(true);
        expect(`${req.path}${req.query}`).toMatch(/^[\x21-\x7e]*$/);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("dot segments (RFC 3986 §5.2.4, with the URL Standard's %2e)", () => {
  it("are resolved the way the platform's URL parser resolves them", () => {
    // The runtime's answers, seen end to end in test/e2e/hostile-requests.test.ts.
    const cases: [string, string][] = [
      ["/a/b/..", "/a/"],
      ["/a/.", "/a/"],
      ["/..", "/"],
      ["/a/../../../etc/passwd", "/etc/passwd"],
      ["/a/.b/../x", "/a/x"],
      ["//._/..", "//"],
      ["/x/%2e%2e", "/"],
      ["/x/.%2E/y", "/y"],
      ["/.well-known/x", "/.well-known/x"],
      ["/a/..%2fb", "/a/..%2fb"],
    ];
    for (const [path, resolved] of cases) expect(withoutDotSegments(path), path).toBe(resolved);
  });

  it("leave no dot segment, change nothing twice, and leave a path without one alone", () => {
    const segment = fc.oneof(fc.constantFrom(".", "..", "%2e", "%2E%2e", ".%2e", "._", ".b", "a", ""), fc.stringMatching(/^[a-z.%2e]{0,4}$/));
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 10 }), (segments) => {
        const path = `/${segments.join("/")}`;
        const resolved = withoutDotSegments(path);
        expect(resolved.startsWith("/")).toBe(true);
        for (const seg of resolved.split("/")) expect(seg).not.toMatch(dotSegment);
        expect(withoutDotSegments(resolved)).toBe(resolved);
        if (!path.split("/").some((seg) => dotSegment.test(seg))) expect(resolved).toBe(path);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("what an origin is sent", () => {
  const toOrigin = (host: string, target: string): ToOrigin | null => {
    const decision = decide(hostileRequest(host, target));
    return decision.kind === "origin" ? decision : null;
  };

  it("never holds a dot segment, plain or percent-encoded (no path traversal)", () => {
    expect(toOrigin("cdn.changelog.com", "/uploads/../../etc/passwd")?.originPath).toBe("/etc/passwd");
    expect(toOrigin("cdn.changelog.com", "/uploads/%2e%2e/%2E%2e/etc/passwd")?.originPath).toBe("/etc/passwd");
    fc.assert(
      fc.property(anySite, hostileTarget, (host, target) => {
        const sent = toOrigin(host, target);
        if (!sent) return;
        const path = sent.originPath.split("?")[0]!;
        for (const seg of path.split("/")) expect(seg).not.toMatch(dotSegment);
      }),
      { numRuns: 2000 },
    );
  });

  it("keeps percent escapes as they came, valid or not: nothing is decoded on the way", () => {
    expect(toOrigin("changelog.com", "/a%00b%zz%?q=%zz&r=%")?.originPath).toBe("/a%00b%zz%?q=%zz&r=%");
    expect(toOrigin("cdn.changelog.com", "/a%2fb%5cc.mp3")?.originPath).toBe("/a%2fb%5cc.mp3");
    fc.assert(
      fc.property(anySite, hostileTarget, (host, target) => {
        const req = hostileRequest(host, target);
        const sent = toOrigin(host, target);
        // Feeds are sent as their mapped object, health probes as /health.
        if (!sent || sent.origin === "feeds" || sent.passReason === "health") return;
        // Any other origin gets the path the URL parser produced, byte for byte.
        expect(sent.originPath.split("?")[0]).toBe(req.path);
      }),
      { numRuns: 2000 },
    );
  });

  it("sends the buckets no query, and the app and nightly exactly the client's", () => {
    fc.assert(
      fc.property(anySite, hostileTarget, (host, target) => {
        const req = hostileRequest(host, target);
        const sent = toOrigin(host, target);
        if (!sent || sent.passReason === "health") return;
        if (sent.origin === "assets" || sent.origin === "feeds") expect(sent.originPath).not.toContain("?");
        else expect(sent.originPath).toBe(`${req.path}${req.query}`);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("cache keys", () => {
  it("always fit Core Cache's 4 KiB: a longer URL is passed uncached, with its reason", () => {
    const longQuery = `/?${"q".repeat(maxCacheKeyBytes)}`;
    expect(originRouting(hostileRequest("changelog.com", longQuery))).toMatchObject({ cache: null, passReason: "key-too-long" });
    const longPath = `/${"p".repeat(maxCacheKeyBytes)}.mp3`;
    expect(originRouting(hostileRequest("cdn.changelog.com", longPath))).toMatchObject({ cache: null, passReason: "key-too-long" });
    fc.assert(
      fc.property(
        anySite,
        hostileTarget,
        fc.nat(6000).map((n) => "x".repeat(n)),
        fc.boolean(),
        (host, target, padding, inPath) => {
          const padded = inPath ? `/${padding}${target}` : `${target}${target.includes("?") ? "&" : "?"}${padding}`;
          const req = hostileRequest(host, padded);
          const decision = originRouting(req);
          const { placement } = routeFor(req);
          if (decision.cache) {
            expect(new TextEncoder().encode(decision.cache.key).byteLength).toBeLessThanOrEqual(maxCacheKeyBytes);
          } else {
            expect(decision.passReason).toBe("key-too-long");
            expect(fitsCacheKey(placement.key)).toBe(false);
          }
          // Whatever happens to the key, the URL's surrogate key stays one Fastly accepts.
          expect(placement.surrogateKey).toMatch(/^[\x21-\x7e]{1,1024}$/);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("measures keys in UTF-8 bytes, not in UTF-16 code units", () => {
    expect(fitsCacheKey("a".repeat(maxCacheKeyBytes))).toBe(true);
    expect(fitsCacheKey("a".repeat(maxCacheKeyBytes + 1))).toBe(false);
    expect(fitsCacheKey("é".repeat(maxCacheKeyBytes / 2))).toBe(true);
    expect(fitsCacheKey("é".repeat(maxCacheKeyBytes / 2 + 1))).toBe(false);
    expect(fitsCacheKey("€".repeat(Math.floor(maxCacheKeyBytes / 3)))).toBe(true);
    expect(fitsCacheKey("€".repeat(Math.floor(maxCacheKeyBytes / 3) + 1))).toBe(false);
  });
});
