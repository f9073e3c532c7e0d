// A complete Exchange for tests, with overrides; geo defaults to the local Ashburn client.

import type { Exchange } from "../../../src/logs/exchange.js";
import type { ClientGeo } from "../../../src/logs/geo.js";

export const ashburn: ClientGeo = {
  city: "Ashburn",
  countryName: "United States",
  countryCode: "US",
  continent: "NA",
  region: "VA",
  latitude: 39.0469,
  longitude: -77.4903,
  asNumber: 14618,
  asName: "Amazon.com, Inc.",
};

export function exchange(overrides: Partial<Exchange> = {}): Exchange {
  return {
    startedAt: Date.UTC(2024, 7, 9, 18, 23, 17, 42),
    elapsedUs: 1234,
    cpuMs: 7,
    requestId: "req-1",
    clientIp: "3.219.254.95",
    geo: ashburn,
    method: "GET",
    host: "cdn.changelog.com",
    path: "/uploads/podcast/600/the-changelog-600.mp3",
    query: "",
    protocol: "HTTP/1.1",
    tls: true,
    relayed: false,
    userAgent: "AppleCoreMedia/1.0.0.21G93 (iPhone; U; CPU OS 17_6 like Mac OS X; en_us)",
    referer: null,
    requestBodyBytes: null,
    status: 206,
    contentType: "audio/mpeg",
    bodyBytes: 1000,
    delivery: "complete",
    cache: { state: "hit", origin: "assets", ttl: 100, age: 10, hits: 3 },
    servedBy: { pop: "IAD", region: "US-East", hostname: "cache-iad-kcgs7200110" },
    ...overrides,
  };
}
