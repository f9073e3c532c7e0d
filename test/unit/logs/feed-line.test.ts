// The feed JSON line: same keys, order and layout as the sample the subscriber counter reads.

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { feedLine } from "../../../src/logs/feed-line.js";
import { unknownGeo } from "../../../src/logs/geo.js";
import { exchange } from "./exchange.js";

const sample = readFileSync(new URL("./samples/feed-requests.txt", import.meta.url), "utf8").split("\n").filter(Boolean);

const feedRequest = exchange({
  startedAt: Date.UTC(2024, 7, 9, 18, 25, 17),
  clientIp: "2a02:578:85ce:1500:39b8:1a8f:d0d8:56",
  geo: { ...unknownGeo, city: "Woluwé-Saint-Pierre", countryName: "Belgium", countryCode: "BE", continent: "EU" },
  host: "changelog.com",
  path: "/podcast/feed",
  protocol: "HTTP/2",
  userAgent: "AntennaPod/3.4.1",
  status: 200,
  bodyBytes: 686995,
  cache: { state: "hit", origin: "feeds" },
  servedBy: { pop: "BRU", region: "EU-West", hostname: "cache-bru1480042" },
});

describe("feed line", () => {
  it("is byte for byte the sample's line for the same request", () => {
    expect(feedLine(feedRequest)).toBe(sample[2]!.replace('"HIT-CLUSTER"', '"HIT"'));
  });

  it("has exactly the sample's keys, in the sample's order", () => {
    const keys = (line: string) => Object.keys(JSON.parse(line) as object);
    expect(keys(feedLine(feedRequest))).toEqual(keys(sample[0]!));
  });

  it("writes a 304 with its reason and 0 bytes, the query kept in the url", () => {
    const parsed = JSON.parse(
      feedLine({ ...feedRequest, status: 304, bodyBytes: 0, query: "?cb=123", cache: { state: "miss", origin: "feeds" } }),
    ) as Record<string, unknown>;
    expect(parsed).toMatchObject({
      url: "/podcast/feed?cb=123",
      response_state: "MISS",
      response_status: 304,
      response_reason: "Not Modified",
      response_body_size: 0,
    });
  });

  it('writes "(null)" for unknown geo and "" for a missing referer or user agent', () => {
    const parsed = JSON.parse(feedLine({ ...feedRequest, geo: unknownGeo, userAgent: null, referer: null })) as Record<
      string,
      unknown
    >;
    expect(parsed).toMatchObject({ geo_country: "(null)", geo_city: "(null)", request_referer: "", request_user_agent: "" });
  });

  it("says fastly_is_edge false for a request another Fastly node relayed", () => {
    expect(JSON.parse(feedLine({ ...feedRequest, relayed: true })) as object).toMatchObject({ fastly_is_edge: false });
  });

  it("is one line of valid JSON whatever the client sends", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (ua, ref, query) => {
        const line = feedLine({ ...feedRequest, userAgent: ua, referer: ref, query });
        expect(line).not.toMatch(/[\n\r\u2028\u2029]/);
        const parsed = JSON.parse(line) as Record<string, unknown>;
        expect(parsed.request_user_agent).toBe(ua);
        expect(parsed.request_referer).toBe(ref);
        expect(parsed.url).toBe(`/podcast/feed${query}`);
      }),
      { numRuns: 300 },
    );
  });
});
