// The stated maximum line size holds for the worst request there is: every client-controlled
// value at its longest and made of the characters that cost the most once escaped.

import { describe, expect, it } from "vitest";
import { cutMark, logValueCaps, maxLogLineBytes } from "../../../src/config/log-caps.js";
import { episodeLine } from "../../../src/logs/episode-line.js";
import type { Exchange } from "../../../src/logs/exchange.js";
import { feedLine } from "../../../src/logs/feed-line.js";
import { requestLine } from "../../../src/logs/request-line.js";
import { importLine } from "../../support/importer.js";
import { exchange } from "../logs/exchange.js";

/** Every text field of an exchange filled with `unit` up to `length` characters. */
function worst(unit: string, length: number): Exchange {
  const fill = (n: number) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
  return exchange({
    requestId: fill(300),
    method: fill(300),
    host: fill(300),
    path: `/uploads/podcast/${fill(8192)}`,
    query: `?${fill(8192)}`,
    userAgent: fill(length),
    referer: fill(length),
    contentType: fill(300),
    clientIp: fill(300),
    geo: { city: fill(300), countryName: fill(300), countryCode: fill(300), continent: fill(300), region: fill(300), latitude: -179.9999, longitude: -179.9999, asNumber: 4294967295, asName: fill(300) },
    servedBy: { pop: fill(300), region: fill(300), hostname: fill(300) },
    cache: { state: "stale", origin: "assets", ttl: Number.MAX_SAFE_INTEGER, age: Number.MAX_SAFE_INTEGER, hits: Number.MAX_SAFE_INTEGER, note: "background-refresh-failed" },
    startedAt: Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    elapsedUs: Number.MAX_SAFE_INTEGER,
    cpuMs: Number.MAX_SAFE_INTEGER,
    requestBodyBytes: Number.MAX_SAFE_INTEGER,
    bodyBytes: Number.MAX_SAFE_INTEGER,
  });
}

// The units that cost the most: a control character is 6 bytes in JSON (\u0001), a quote up to
// 4 in CSV, an emoji 4 in both, a lone surrogate 6 in JSON.
const units = ["\u0001", '"', "😀", "\ud800", "\u2028", "a", 'a"', "%", ","];

describe("maxLogLineBytes", () => {
  it(`holds for an 8 KB URL and a 69 KB user agent and referer of the costliest characters (${maxLogLineBytes} bytes)`, () => {
    for (const unit of units) {
      const x = worst(unit, 69 * 1024);
      for (const line of [episodeLine(x), feedLine(x), requestLine(x)]) {
        expect(Buffer.byteLength(line, "utf8"), `${JSON.stringify(unit)}: ${line.slice(0, 80)}`).toBeLessThanOrEqual(maxLogLineBytes);
      }
      const request = JSON.parse(requestLine(x)) as Record<string, unknown>;
      const feed = JSON.parse(feedLine(x)) as Record<string, unknown>;
      for (const value of [request.url, request.user_agent, request.referer, feed.url, feed.request_user_agent, feed.request_referer]) {
        expect(String(value).endsWith(cutMark)).toBe(true);
      }
      const imported = importLine(episodeLine(x));
      if (!imported.kept) throw new Error(`${JSON.stringify(unit)}: ${imported.reason}`);
      expect(imported.entry.agent === "Unknown" || imported.entry.agent.endsWith(cutMark)).toBe(true);
    }
  });

  it("leaves values under their caps whole", () => {
    const agent = "a".repeat(logValueCaps.userAgent);
    const x = exchange({ userAgent: agent, referer: agent, query: "", path: `/${"p".repeat(logValueCaps.url - 1)}` });
    const request = JSON.parse(requestLine(x)) as Record<string, unknown>;
    expect(request.user_agent).toBe(agent);
    expect(request.referer).toBe(agent);
    expect(request.url).toBe(x.path);
    const imported = importLine(episodeLine(x));
    expect(imported.kept && imported.entry.agent).toBe(agent);
  });
});
