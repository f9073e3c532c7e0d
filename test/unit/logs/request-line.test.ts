// The request log line: one JSON object with every field the spec lists.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { requestLine } from "../../../src/logs/request-line.js";
import { exchange } from "./exchange.js";

describe("request line", () => {
  it("carries every field the spec lists, in a fixed order", () => {
    const parsed = JSON.parse(requestLine(exchange({ query: "?a=1", referer: "https://changelog.com/" }))) as Record<
      string,
      unknown
    >;
    expect(parsed).toEqual({
      time: "2024-08-09T18:23:17.042Z",
      elapsed_us: 1234,
      cpu_ms: 7,
      request_id: "req-1",
      method: "GET",
      host: "cdn.changelog.com",
      url: "/uploads/podcast/600/the-changelog-600.mp3?a=1",
      protocol: "HTTP/1.1",
      tls: true,
      http2: false,
      relayed: false,
      client_ip: "3.219.254.95",
      geo_country_code: "US",
      geo_country: "United States",
      geo_region: "VA",
      geo_city: "Ashburn",
      geo_continent: "NA",
      geo_latitude: 39.0469,
      geo_longitude: -77.4903,
      geo_as_number: 14618,
      pop: "IAD",
      server: "cache-iad-kcgs7200110-IAD",
      origin: "assets",
      cache_state: "hit",
      cache_note: null,
      status: 206,
      content_type: "audio/mpeg",
      bytes_in: null,
      bytes_out: 1000,
      delivery: "complete",
      user_agent: "AppleCoreMedia/1.0.0.21G93 (iPhone; U; CPU OS 17_6 like Mac OS X; en_us)",
      referer: "https://changelog.com/",
    });
  });

  it("carries the vCPU milliseconds as a whole number, null when unknown", () => {
    expect(JSON.parse(requestLine(exchange({ cpuMs: 12.6 }))).cpu_ms).toBe(13);
    expect(JSON.parse(requestLine(exchange({ cpuMs: null }))).cpu_ms).toBeNull();
  });

  it("names the edge as origin for answers it wrote itself", () => {
    const parsed = JSON.parse(requestLine(exchange({ cache: { state: "edge" }, status: 204 }))) as Record<string, unknown>;
    expect(parsed).toMatchObject({ origin: null, cache_state: "edge", status: 204 });
  });

  it("is one line of valid JSON whatever the client sends", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (ua, path) => {
        const line = requestLine(exchange({ userAgent: ua, path }));
        expect(line).not.toMatch(/[\n\r\u2028\u2029]/);
        expect(JSON.parse(line)).toMatchObject({ user_agent: ua, url: path });
      }),
      { numRuns: 300 },
    );
  });
});
