// Log lines for hostile requests: whatever a client sends (Host, target, method, user agent and
// referer as byte strings, of any length), every line is one line, the JSON lines decode, the
// episode line is kept by the importer, and no line is longer than `maxLogLineBytes`.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { maxLogLineBytes } from "../../../src/config/log-caps.js";
import type { EdgeRequest } from "../../../src/edge-request.js";
import { episodeLine } from "../../../src/logs/episode-line.js";
import { feedLine } from "../../../src/logs/feed-line.js";
import { headerValue as headerText } from "../../../src/logs/request-facts.js";
import { requestLine } from "../../../src/logs/request-line.js";
import { importLine } from "../../support/importer.js";
import { exchange } from "../logs/exchange.js";
import { headerValue, hostileHost, hostileMethod, hostileRequest, hostileTarget } from "./hostile.js";

function linesFor(req: EdgeRequest): string[] {
  const x = exchange({
    method: req.method,
    host: req.host,
    path: req.path,
    query: req.query,
    userAgent: headerText(req.headers, "user-agent"),
    referer: headerText(req.headers, "referer"),
  });
  return [episodeLine(x), feedLine(x), requestLine(x)];
}

/** A header value that is sometimes far longer than any cap. */
const longHeader = fc.oneof(headerValue(60), headerValue(3000), fc.tuple(headerValue(20), fc.integer({ min: 1, max: 70_000 })).map(([v, n]) => v.repeat(Math.ceil(n / Math.max(1, v.length))).slice(0, n).trim()));

describe("log lines for hostile requests", () => {
  it("are single lines under the stated maximum; JSON decodes; the importer keeps the episode line", () => {
    fc.assert(
      fc.property(hostileHost, hostileTarget, hostileMethod, longHeader, longHeader, (host, target, method, agent, referer) => {
        const headers: Record<string, string> = {};
        if (agent) headers["user-agent"] = agent;
        if (referer) headers.referer = referer;
        const [episode, feed, request] = linesFor(hostileRequest(host, target, method, headers));
        for (const line of [episode!, feed!, request!]) {
          expect(Buffer.byteLength(line, "utf8")).toBeLessThanOrEqual(maxLogLineBytes);
          expect(line).not.toMatch(/[\n\r\u2028\u2029]/);
        }
        expect(() => JSON.parse(feed!)).not.toThrow();
        expect(() => JSON.parse(request!)).not.toThrow();
        const imported = importLine(episode!);
        if (!imported.kept) throw new Error(`${imported.reason}\n${episode}`);
        expect(imported.fields).toHaveLength(12);
      }),
      { numRuns: 300 },
    );
  });
});
