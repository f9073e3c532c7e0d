// Feed-request lines under Viceroy: one JSON line per app-host feed request, with the sample's
// keys in the sample's order, and values from the request, the response and the client address.
// Feeds are cached: these tests use feed paths no other test needs cold.

import { readFileSync } from "node:fs";
import { beforeEach, describe, expect, it } from "vitest";
import { cutMark, maxLogLineBytes } from "../../src/config/log-caps.js";
import { logEndpoints } from "../../src/config/log-endpoints.js";
import { feedLinesFor, uniqueAgent, watchLog, type LogWatch } from "../support/viceroy-log.js";
import { edge, resetOrigins, send } from "./support/edge.js";

const sampleKeys = Object.keys(
  JSON.parse(readFileSync(new URL("../unit/logs/samples/feed-requests.txt", import.meta.url), "utf8").split("\n")[0]!) as object,
);

let log: LogWatch;
beforeEach(async () => {
  await resetOrigins();
  log = watchLog(edge().logPath, new Set(logEndpoints.map((e) => e.name)));
});

describe("feed request lines", () => {
  it("a feed request writes one line with the sample's keys, in order, and the response's values", async () => {
    const agent = uniqueAgent("feed");
    const res = await send("/jsparty/feed?cache_buster=42", { headers: { "user-agent": agent, referer: "https://example.com/" } });
    expect(res.status).toBe(200);
    const lines = await feedLinesFor(log, agent);
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(Object.keys(line)).toEqual(sampleKeys);
    expect(line).toMatchObject({
      client_ip: "127.0.0.1",
      geo_country: "united states",
      geo_city: "ashburn",
      host: "changelog.com",
      url: "/jsparty/feed?cache_buster=42",
      request_method: "GET",
      request_protocol: "HTTP/1.1",
      request_referer: "https://example.com/",
      request_user_agent: agent,
      response_status: 200,
      response_reason: "OK",
      response_body_size: res.body.length,
      fastly_server: "cache-localhost-XXX",
      fastly_is_edge: true,
    });
    expect(["HIT", "HIT-STALE", "MISS", "PASS"]).toContain(line.response_state);
    expect(line.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
    expect(Math.abs(Date.parse(String(line.timestamp).replace("+0000", "Z")) - Date.now())).toBeLessThan(60_000);
  });

  it("keeps the sample's layout byte for byte around the values", async () => {
    const agent = uniqueAgent("layout");
    await send("/master/feed", { headers: { "user-agent": agent } });
    await feedLinesFor(log, agent);
    const raw = log.lines().find((l) => l.endpoint === "feeds" && l.message.includes(agent))!.message;
    expect(raw.startsWith('{     "timestamp": "')).toBe(true);
    expect(raw.endsWith('"fastly_is_edge": true   }')).toBe(true);
  });

  it("writes lower-case ASCII geo names, and (null) where the location is unknown", async () => {
    for (const [from, country, city] of [
      ["127.0.0.3", "belgium", "woluwe-saint-pierre"],
      ["127.0.0.2", "(null)", "(null)"],
    ] as const) {
      const agent = uniqueAgent(`geo-${from}`);
      await send("/rfc/feed", { from, headers: { "user-agent": agent } });
      const [line] = await feedLinesFor(log, agent);
      expect(line).toMatchObject({ client_ip: from, geo_country: country, geo_city: city });
    }
  });

  it("a feed path with a trailing slash (the edge's 301), and /feeds/<name> (even one that does not exist) get a line", async () => {
    // Every path of the table is covered by the unit tests of src/logs/destinations.ts; the 301s
    // of every slash form in test/e2e/rules-feed-slash.test.ts.
    const paths = [
      ["/afk/feed/", 301],
      ["/interviews/feed/", 301],
      ["/feeds/logs-e2e-no-such-feed", 404],
    ] as const;
    for (const [path, status] of paths) {
      const agent = uniqueAgent("path");
      const res = await send(path, { headers: { "user-agent": agent } });
      expect(res.status, path).toBe(status);
      const lines = await feedLinesFor(log, agent);
      expect(lines, path).toHaveLength(1);
      expect(lines[0]).toMatchObject({ url: path, response_status: status, response_body_size: res.body.length });
    }
  });

  it("a conditional feed request logs the status, reason and bytes the client got", async () => {
    const first = await send("/brainscience/feed");
    const agent = uniqueAgent("304");
    const res = await send("/brainscience/feed", { headers: { "user-agent": agent, "if-none-match": String(first.headers.etag) } });
    const [line] = await feedLinesFor(log, agent);
    expect(line).toMatchObject({ response_status: res.status, response_body_size: res.body.length });
    expect(line!.response_reason).toBe(res.status === 304 ? "Not Modified" : "OK");
  });

  it("no feed line for a request from another Fastly node, nor for app pages or other hosts", async () => {
    for (const [path, host, headers] of [
      ["/founderstalk/feed", "changelog.com", { "fastly-ff": "cache-iad-1-IAD" }],
      ["/founderstalk?logs-e2e", "changelog.com", {}],
      ["/founderstalk/feed", "cdn.changelog.com", {}],
    ] as const) {
      const agent = uniqueAgent("nofeed");
      await send(path, { host, headers: { ...headers, "user-agent": agent } });
      expect(await feedLinesFor(log, agent), `${host}${path}`).toEqual([]);
    }
  });
});

describe("feed request lines for a maximal request", () => {
  it("an 8 KB URL and a 69 KB user agent and referer give a feed line under the stated maximum that decodes", async () => {
    const tag = uniqueAgent("feed-huge");
    // Just under js-compute's 69,000-byte header value buffer (src/http/header-limit.ts). The
    // slash form is answered by the edge itself (301), so no origin's own header limit is met.
    const agent = `${tag} ${'\\"x'.repeat(22 * 1024)}`;
    const res = await send(`/friends/feed/?${"cb".repeat(4000)}`, { headers: { "user-agent": agent, referer: agent } });
    expect(res.status).toBe(301);
    const [line] = await log.waitFor((l) => l.endpoint === "feeds" && l.message.includes(tag));
    expect(Buffer.byteLength(line!.message)).toBeLessThanOrEqual(maxLogLineBytes);
    const fields = JSON.parse(line!.message) as Record<string, string>;
    expect(Object.keys(fields)).toEqual(sampleKeys);
    for (const key of ["url", "request_user_agent", "request_referer"]) expect(fields[key]!.endsWith(cutMark)).toBe(true);
    expect(fields.url!.startsWith("/friends/feed/?cbcb")).toBe(true);
    expect(fields.request_user_agent!.startsWith(tag)).toBe(true);
  });
});
