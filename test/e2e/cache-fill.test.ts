// Feeds through the engine of pages and feeds (src/engine/cached.ts), at the two sides of
// `writtenBodyBytes` (src/cache/policy.ts `bodyHome`):
// - a 1 MiB feed, the most an answer writes out of Core Cache, is filled and served from it:
//   one origin request in all;
// - a 3 MiB feed is larger: its body is handed to the host (request log `delivery: host`), Core
//   Cache keeps a marker, and later requests ask Fastly's readthrough cache, which Viceroy does
//   not have, so here each is one origin request (in production, a hit there); HEAD and a
//   matching If-None-Match on it are answered without a body;
// - past its fresh time (a one-second Surrogate-Control at the local origin), the marker is
//   stored again by the request that holds its obligation, and a stored feed that has grown past
//   1 MiB is replaced by a marker when it is refreshed.
// The request log's cpu_ms of each answer is printed, the figures docs/caching.md ("What a feed
// costs the guest") compares designs with (no timed assertion); the per-execution limits
// (test/e2e/support/limits.ts) hold every answer to them. A body cut or stalled mid-way:
// test/e2e/faults.test.ts and faults-matrix.test.ts.

import { randomUUID } from "node:crypto";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { generatedBytes } from "../../scripts/origins/fixtures.js";
import { writtenBodyBytes } from "../../src/cache/asset-delivery.js";
import { logEndpoints } from "../../src/config/log-endpoints.js";
import { uniqueAgent, watchLog } from "../support/viceroy-log.js";
import { putObject } from "./support/buckets.js";
import { addOriginHeaders, clearOriginHeaders, edge, originRequests, resetOrigins, send } from "./support/edge.js";
import { twoTiers } from "./support/tiers.js";

const run = randomUUID().slice(0, 8);

beforeEach(resetOrigins);
afterAll(() => clearOriginHeaders());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Fresh for a second, then served stale for one more while it is refreshed. */
const shortTimes = { "surrogate-control": "max-age=1, stale-while-revalidate=1" };

interface RequestLine {
  readonly user_agent: string;
  readonly cpu_ms: number;
  readonly delivery: string;
  readonly bytes_out: number;
}

/** Puts a feed of `size` bytes and asks for it three times; each answer with its request-log line. */
async function threeRounds(name: string, size: number) {
  const object = `/fill-${run}-${name}.xml`;
  const path = `/feeds/fill-${run}-${name}`;
  const body = generatedBytes(1601, 0, size);
  await putObject("feeds", object, body, { contentType: "application/xml" });
  await resetOrigins();
  const log = watchLog(edge().logPath, new Set(logEndpoints.map((e) => e.name)));
  const rounds: { round: string; cacheStatus: string; line: RequestLine }[] = [];
  for (const round of ["cold", "again", "again"]) {
    const agent = uniqueAgent(`fill-${name}-${rounds.length}`);
    const res = await send(path, { headers: { "user-agent": agent } });
    expect(res.status, round).toBe(200);
    expect(res.body.equals(Buffer.from(body)), round).toBe(true);
    expect(res.headers["content-length"], round).toBe(String(size));
    const [found] = await log.waitFor((l) => l.endpoint === "requests" && (JSON.parse(l.message) as RequestLine).user_agent === agent);
    rounds.push({ round, cacheStatus: String(res.headers["cache-status"]), line: JSON.parse(found!.message) as RequestLine });
  }
  const gets = (await originRequests("feeds")).filter((r) => r.method === "GET");
  return { rounds, gets };
}

describe("feeds filled into the cache", () => {
  it("a feed of the most an answer writes: filled once, then every answer from Core Cache", async () => {
    const { rounds, gets } = await threeRounds("most", writtenBodyBytes);
    expect(rounds[0]!.cacheStatus).toMatch(/fwd=uri-miss; stored/);
    for (const { cacheStatus } of rounds.slice(1)) expect(cacheStatus).toMatch(/^changelog-edge; hit;/);
    expect(rounds.map((r) => r.line.delivery)).toEqual(["complete", "complete", "complete"]);
    expect(gets).toHaveLength(1);
    console.log(`1 MiB feed, request log cpu_ms: ${rounds.map((r) => `${r.round} ${r.line.cpu_ms}`).join(", ")}`);
  });

  it("a larger feed: its body handed to the host every time, a marker in Core Cache, the readthrough cache asked after", async () => {
    const size = 3 * 1024 * 1024;
    const { rounds, gets } = await threeRounds("large", size);
    expect(rounds[0]!.cacheStatus).toMatch(/fwd=uri-miss; stored;.*larger-than-an-answer http-cache/);
    for (const { cacheStatus } of rounds.slice(1)) expect(cacheStatus).toMatch(/fwd=bypass;.*larger-than-an-answer http-cache/);
    expect(rounds.map((r) => r.line.delivery)).toEqual(["host", "host", "host"]);
    expect(rounds.map((r) => r.line.bytes_out)).toEqual([size, size, size]);
    // Viceroy has no readthrough cache: each answer after the first is an origin request here.
    expect(gets).toHaveLength(3);
    console.log(`3 MiB feed, request log cpu_ms: ${rounds.map((r) => `${r.round} ${r.line.cpu_ms}`).join(", ")}`);

    // Validators and HEAD on the marker: answered from the readthrough answer's headers, no body.
    const path = `/feeds/fill-${run}-large`;
    const etag = (await send(path, { method: "HEAD" })).headers["etag"];
    expect(etag).toBeTruthy();
    const head = await send(path, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(String(size));
    expect(head.body.length).toBe(0);
    const matched = await send(path, { headers: { "if-none-match": String(etag) } });
    expect(matched.status).toBe(304);
    expect(matched.body.length).toBe(0);
    expect(matched.headers["etag"]).toBe(etag);
  });

  it("a larger feed gone stale: the request that holds the marker's obligation stores the origin's answer, a marker again, and hands the body over", async () => {
    const size = 3 * 1024 * 1024;
    const object = `/fill-${run}-stale-marker.xml`;
    const path = `/feeds/fill-${run}-stale-marker`;
    const body = generatedBytes(1602, 0, size);
    await putObject("feeds", object, body, { contentType: "application/xml" });
    await addOriginHeaders("feeds", { path: object, headers: shortTimes });
    await resetOrigins();
    const cold = await send(path);
    expect(cold.headers["cache-status"]).toMatch(/fwd=uri-miss; stored;.*larger-than-an-answer http-cache/);
    await sleep(1300);
    const stale = await send(path);
    expect(stale.status).toBe(200);
    expect(stale.body.equals(Buffer.from(body))).toBe(true);
    expect(stale.headers["cache-status"]).toMatch(/fwd=stale; stored;.*larger-than-an-answer http-cache/);
    // Stored again as a marker, fresh: the next request is the readthrough cache's.
    const after = await send(path);
    expect(after.body.equals(Buffer.from(body))).toBe(true);
    expect(after.headers["cache-status"]).toMatch(/fwd=bypass;.*larger-than-an-answer http-cache/);
    expect((await originRequests("feeds")).filter((r) => r.method === "GET")).toHaveLength(3);
  });

  it("a feed that grows past an answer while stored: the refresh in the background writes a marker, and the next request gets the new feed whole, on the host", async () => {
    const object = `/fill-${run}-grows.xml`;
    const path = `/feeds/fill-${run}-grows`;
    const small = generatedBytes(1603, 0, 200_000);
    const large = generatedBytes(1604, 0, 3 * 1024 * 1024);
    await putObject("feeds", object, small, { contentType: "application/xml" });
    await addOriginHeaders("feeds", { path: object, headers: shortTimes });
    await resetOrigins();
    expect((await send(path)).headers["cache-status"]).toMatch(/fwd=uri-miss; stored/);
    await putObject("feeds", object, large, { contentType: "application/xml" });
    await sleep(1300);
    // Within stale-while-revalidate: the stored feed at once, refreshed in the background.
    const stale = await send(path);
    expect(stale.body.equals(Buffer.from(small))).toBe(true);
    expect(stale.headers["cache-status"]).toMatch(/^changelog-edge; hit; ttl=-\d+;.*revalidating/);
    if (!twoTiers()) {
      for (let waited = 0; waited < 50 && (await originRequests("feeds")).filter((r) => r.method === "GET").length < 2; waited++) await sleep(100);
      await sleep(200);
    }
    // On two tiers the POP's refresh may first get the shield's own stale copy: the new feed
    // reaches the POP within a further stale-while-revalidate round.
    let grown = await send(path);
    for (let polls = 0; twoTiers() && polls < 40 && grown.body.length !== large.length; polls++) {
      await sleep(200);
      grown = await send(path);
    }
    expect(grown.status).toBe(200);
    expect(grown.headers["content-length"]).toBe(String(large.length));
    expect(grown.body.equals(Buffer.from(large))).toBe(true);
    expect(grown.headers["cache-status"]).toMatch(/fwd=bypass;.*larger-than-an-answer http-cache/);
    // The first fill, the refresh, and the readthrough request of the last answer.
    if (!twoTiers()) expect((await originRequests("feeds")).filter((r) => r.method === "GET")).toHaveLength(3);
  });
});
