// Issue 14: a new episode reaches listeners without any purge. Feeds and the object entries of
// assets are revalidated with the origin on a short interval, conditionally (If-None-Match; the
// local R2 answers 304 for an unchanged object, as R2 does), while clients keep getting the
// stored copy at once; a copy is never served more than `fresh + staleWhileRevalidate` after
// the origin last confirmed it (src/config/cache-times.ts, `stalenessBound`).
//
// Production's intervals are a minute (feeds: fresh 45 s + 15 s stale-while-revalidate) and
// five minutes (assets: 240 s + 60 s); waiting for them here would take an hour. So the local
// origin sends `Surrogate-Control: max-age=3, stale-while-revalidate=1` (a 4 s bound) or
// `max-age=1, stale-while-revalidate=1` for this file's own objects (a header rule of the local
// origin, `addOriginHeaders`: R2 itself cannot be told to send Surrogate-Control), which the
// cache policy honours in place of the table (src/cache/policy.ts): the same code runs, with a
// seconds-long interval. The configured 60 s / 300 s are pinned by the unit tests
// (test/unit/cache/staleness.test.ts). Clients poll every 250 ms, as a podcast app polling every
// few seconds would against a one-minute bound.
//
// The e2e suite shares one cache: every object here is this run's own (a fresh name per run), so
// no other file ever sees it, and none of them is purged: the point is that no purge is needed.

import { randomUUID } from "node:crypto";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { generatedBytes } from "../../scripts/origins/fixtures.js";
import type { RecordedRequest } from "../../scripts/origins/front.js";
import { segmentBytes } from "../../src/cache/segments.js";
import { putObject as putBucketObject } from "./support/buckets.js";
import { addOriginHeaders, clearOriginHeaders, edge, originRequests, resetOrigins, send, type EdgeResponse } from "./support/edge.js";
import { expectShieldEntry, ownCacheStatus, twoTiers } from "./support/tiers.js";

const run = randomUUID().slice(0, 8);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pollEveryMs = 250;
/** What a client may wait beyond the bound: the revalidation's round trip and one poll, on a busy 2-core VM. */
const slackMs = 1_000;

beforeEach(resetOrigins);
afterAll(() => clearOriginHeaders());

/** Writes an object into a local bucket through its origin, as the app's upload to R2 would. */
function putObject(bucket: "feeds" | "assets", path: string, body: Uint8Array, contentType: string): Promise<string> {
  return putBucketObject(bucket, path, body, { contentType });
}

interface Poll {
  /** Milliseconds since the change was published (negative before it). */
  readonly at: number;
  readonly ms: number;
  readonly res: EdgeResponse;
}

/** GETs `path` every `pollEveryMs` until `done` says so or `untilMs` after `since` has passed. */
async function pollUntil(
  path: string,
  options: { host?: string; headers?: Record<string, string> },
  since: number,
  untilMs: number,
  done: (res: EdgeResponse) => boolean,
): Promise<Poll[]> {
  const polls: Poll[] = [];
  for (;;) {
    const started = Date.now();
    const res = await send(path, options);
    polls.push({ at: started - since, ms: Date.now() - started, res });
    if (done(res) || Date.now() - since > untilMs) return polls;
    await sleep(Math.max(0, pollEveryMs - (Date.now() - started)));
  }
}

/** GETs of `url` at the origin (the test's own PUTs left out), in order. */
async function originGets(origin: string, url: string): Promise<RecordedRequest[]> {
  // A background revalidation may still be answering: give it a moment to finish.
  await sleep(300);
  return (await originRequests(origin)).filter((r) => r.method === "GET" && r.url === url);
}

const fromCache = /^changelog-edge; hit; /;

/** Two tiers: the POP's GETs of `path` at the shield, as [status, If-None-Match] (originGets waited for them). */
async function shieldGets(path: string): Promise<[number, unknown][]> {
  return (await originRequests("shield")).filter((r) => r.method === "GET" && r.url === path).map((r) => [r.status, r.headers["if-none-match"]]);
}

describe("a changed feed, without any purge", () => {
  const object = `/staleness-${run}-feed.xml`;
  const path = `/feeds/staleness-${run}-feed`;
  const feed = (episodes: string) => new TextEncoder().encode(`<?xml version="1.0"?>\n<rss version="2.0"><channel><title>${run}</title>${episodes}</channel></rss>\n`);
  const v1 = feed("<item><title>Episode 1</title></item>");
  const v2 = feed("<item><title>Episode 2</title></item><item><title>Episode 1</title></item>");

  it("reaches a polling client within the interval; until then it gets the old copy at once; unchanged checks are 304s", async () => {
    const bound = 4; // max-age=3 + stale-while-revalidate=1
    await addOriginHeaders("feeds", { path: object, headers: { "surrogate-control": "max-age=3, stale-while-revalidate=1" } });
    const etag1 = await putObject("feeds", object, v1, "application/xml");
    const first = await send(path);
    expect(first.status).toBe(200);
    expect(first.body).toEqual(Buffer.from(v1));
    expect(first.headers["cache-status"]).toMatch(/fwd=uri-miss; stored; ttl=3;/);
    // Polled past one revalidation of the unchanged feed (a 304), then changed some time into
    // the revalidated copy's life, so the change does not line up with a revalidation.
    const before = await pollUntil(path, {}, Date.now(), 3_600, () => false);
    for (const poll of before) expect(poll.res.body).toEqual(Buffer.from(v1));

    const changedAt = Date.now();
    const etag2 = await putObject("feeds", object, v2, "application/xml");
    expect(etag2).not.toBe(etag1);
    const polls = await pollUntil(path, {}, changedAt, bound * 1000 + 3 * slackMs, (res) => res.body.equals(Buffer.from(v2)));

    const seen = polls.findIndex((p) => p.res.body.equals(Buffer.from(v2)));
    expect(seen, "the new feed never came").toBeGreaterThanOrEqual(0);
    expect(polls[seen]!.at).toBeLessThanOrEqual(bound * 1000 + slackMs);
    for (const poll of polls.slice(0, seen)) expect(poll.res.body).toEqual(Buffer.from(v1));
    // No client waited on the origin: every answer came out of the cache, fresh or while it was
    // being revalidated in the background.
    for (const poll of [...before, ...polls]) {
      expect(poll.res.status).toBe(200);
      expect(poll.res.headers["cache-status"]).toMatch(fromCache);
    }

    // At the origin: the first fetch, then only conditional requests. Before the change each
    // was a 304; the first one after it brought the new feed; nothing was asked unconditionally.
    const gets = await originGets("feeds", object);
    expect(gets[0]!.headers["if-none-match"]).toBeUndefined();
    expect(gets[0]!.status).toBe(200);
    const revalidations = gets.slice(1);
    for (const r of revalidations) expect(r.headers["if-none-match"]).toBeDefined();
    const brought = revalidations.filter((r) => r.status === 200);
    expect(brought).toHaveLength(1);
    expect(brought[0]!.headers["if-none-match"]).toBe(etag1);
    expect(brought[0]!.at).toBeGreaterThanOrEqual(changedAt);
    const unchanged = revalidations.filter((r) => r.at < changedAt);
    expect(unchanged.length).toBeGreaterThanOrEqual(1);
    for (const r of unchanged) expect([r.status, r.headers["if-none-match"]]).toEqual([304, etag1]);
    // After the change was picked up, the conditional requests carry the new feed's ETag.
    for (const r of revalidations.slice(revalidations.indexOf(brought[0]!) + 1)) expect([r.status, r.headers["if-none-match"]]).toEqual([304, etag2]);
    console.log(
      `changed feed: new copy served ${polls[seen]!.at} ms after the change (bound ${bound * 1000} ms), ${seen} old answers before it, ` +
        `slowest poll ${Math.max(...polls.map((p) => p.ms))} ms; origin: ${revalidations.filter((r) => r.status === 304).length} × 304, 1 × 200`,
    );
  });

  it("at a quiet POP, a request past the interval asks the origin first, conditionally: a 304 serves the stored copy, a change the new feed", async () => {
    const quiet = `/staleness-${run}-quiet.xml`;
    const quietPath = `/feeds/staleness-${run}-quiet`;
    await addOriginHeaders("feeds", { path: quiet, headers: { "surrogate-control": "max-age=1, stale-while-revalidate=1" } });
    const etag1 = await putObject("feeds", quiet, v1, "application/xml");
    expect((await send(quietPath)).body).toEqual(Buffer.from(v1));
    await resetOrigins();
    // Past max-age + stale-while-revalidate: the copy is only good if the origin fails.
    await sleep(2_300);
    const unchanged = await send(quietPath);
    expect(unchanged.status).toBe(200);
    expect(unchanged.body).toEqual(Buffer.from(v1));
    expect(ownCacheStatus(unchanged)).toMatch(/^changelog-edge; fwd=stale; stored; ttl=1; detail="[^"]* revalidated"$/);
    // Two tiers: the shield's copy is as old as the POP's (its Age became the POP copy's), so the
    // POP's conditional request found it past the interval too, and the shield asked the origin.
    expectShieldEntry(unchanged, /^changelog-edge; fwd=stale; stored; ttl=1; detail="[^"]* revalidated"$/);
    let gets = await originGets("feeds", quiet);
    expect(gets.map((r) => [r.status, r.headers["if-none-match"]])).toEqual([[304, etag1]]);
    // Two tiers: the POP asked the shield the same way, and had the shield's 304 of the origin's.
    if (twoTiers()) expect(await shieldGets(quietPath)).toEqual([[304, etag1]]);
    // Revalidated: fresh again, no origin request.
    const hit = await send(quietPath);
    expect(hit.headers["cache-status"]).toMatch(/^changelog-edge; hit; ttl=(0|1);/);
    expect(hit.body).toEqual(Buffer.from(v1));

    const etag2 = await putObject("feeds", quiet, v2, "application/xml");
    await resetOrigins();
    await sleep(2_300);
    const changed = await send(quietPath);
    expect(changed.body).toEqual(Buffer.from(v2));
    expect(ownCacheStatus(changed)).toMatch(/^changelog-edge; fwd=stale; stored; /);
    expectShieldEntry(changed, /^changelog-edge; fwd=stale; stored; /);
    gets = await originGets("feeds", quiet);
    expect(gets.map((r) => [r.status, r.headers["if-none-match"]])).toEqual([[200, etag1]]);
    if (twoTiers()) expect(await shieldGets(quietPath)).toEqual([[200, etag1]]);
    const after = await send(quietPath);
    expect(after.body).toEqual(Buffer.from(v2));
    expect(after.headers.etag).toBe(etag2);
    expect(after.headers["cache-status"]).toMatch(fromCache);
  });

  it("an unchanged feed polled for a simulated stretch costs one 304 per fresh period, never a 200", async () => {
    // max-age=1, stale-while-revalidate=1: one fresh period is a second. 20 of them stand for a
    // quarter of the production hour (80 periods of 45 s); what is checked is the rate per period.
    const unchanged = `/staleness-${run}-unchanged.xml`;
    const unchangedPath = `/feeds/staleness-${run}-unchanged`;
    await addOriginHeaders("feeds", { path: unchanged, headers: { "surrogate-control": "max-age=1, stale-while-revalidate=1" } });
    const etag = await putObject("feeds", unchanged, v1, "application/xml");
    await resetOrigins();
    const periods = 20;
    const startedAt = Date.now();
    const polls = await pollUntil(unchangedPath, {}, startedAt, periods * 1000, () => false);
    const elapsed = Date.now() - startedAt;

    for (const poll of polls) expect(poll.res.body).toEqual(Buffer.from(v1));
    for (const poll of polls.slice(1)) expect(poll.res.headers["cache-status"]).toMatch(fromCache);
    const gets = await originGets("feeds", unchanged);
    const [miss, ...revalidations] = gets;
    expect(miss!.status).toBe(200);
    expect(revalidations.every((r) => r.status === 304 && r.headers["if-none-match"] === etag)).toBe(true);
    // One per fresh period: a revalidation starts with the first poll after the copy's second
    // ran out, so they are at least a period apart and at most a period plus a poll apart.
    for (let i = 1; i < revalidations.length; i++) expect(revalidations[i]!.at - revalidations[i - 1]!.at).toBeGreaterThanOrEqual(900);
    expect(revalidations.length).toBeLessThanOrEqual(Math.ceil(elapsed / 1000));
    expect(revalidations.length).toBeGreaterThanOrEqual(Math.floor(elapsed / (1000 + pollEveryMs + 300)) - 1);
    console.log(`unchanged feed: ${polls.length} polls over ${elapsed} ms, ${revalidations.length} origin requests, all 304`);
  });
});

describe("a replaced mp3 (new ETag), without any purge", () => {
  const path = `/uploads/edge-tests/staleness-${run}.mp3`;
  const size = 2 * segmentBytes + 1_000;
  const seeds = { v1: 1401, v2: 1402 };
  const host = "cdn.changelog.com";
  /** A range across the boundary of segments 0 and 1, and one inside segment 1. */
  const ranges = [
    { start: segmentBytes - 1_000, end: segmentBytes + 999 },
    { start: segmentBytes + 10_000, end: segmentBytes + 12_047 },
  ];

  /** Which version every byte of a range answer is, or "mixed"/"neither". */
  function versionOf(body: Buffer, start: number): "v1" | "v2" | "mixed" | "neither" {
    const is = (seed: number) => body.equals(Buffer.from(generatedBytes(seed, start, start + body.length)));
    if (is(seeds.v1)) return "v1";
    if (is(seeds.v2)) return "v2";
    // Any byte that belongs to one version and any to the other: the answer mixes them.
    const a = generatedBytes(seeds.v1, start, start + body.length);
    const b = generatedBytes(seeds.v2, start, start + body.length);
    const fromA = body.some((byte, i) => byte === a[i] && byte !== b[i]);
    const fromB = body.some((byte, i) => byte === b[i] && byte !== a[i]);
    return fromA && fromB ? "mixed" : "neither";
  }

  it("the new bytes within the interval, never a mix of old and new segments in one answer, the old segments unused afterwards", async () => {
    const bound = 4; // max-age=3 + stale-while-revalidate=1
    await addOriginHeaders("assets", { path, headers: { "surrogate-control": "max-age=3, stale-while-revalidate=1" } });
    const etag1 = await putObject("assets", path, generatedBytes(seeds.v1, 0, size), "audio/mpeg");
    // Warm the object entry and segments 0 and 1 of v1.
    for (const { start, end } of ranges) {
      const warm = await send(path, { host, headers: { range: `bytes=${start}-${end}` } });
      expect(warm.status).toBe(206);
      expect(versionOf(warm.body, start)).toBe("v1");
    }
    await resetOrigins();
    // Listened to past one revalidation of the unchanged object (a 304), then replaced some
    // time into the revalidated entry's life.
    for (let i = 0; i < 14; i++) {
      const { start, end } = ranges[i % 2]!;
      const res = await send(path, { host, headers: { range: `bytes=${start}-${end}` } });
      expect(versionOf(res.body, start)).toBe("v1");
      expect(res.headers["cache-status"]).toMatch(fromCache);
      await sleep(pollEveryMs);
    }

    const changedAt = Date.now();
    const etag2 = await putObject("assets", path, generatedBytes(seeds.v2, 0, size), "audio/mpeg");
    expect(etag2).not.toBe(etag1);
    const answers: { at: number; range: number; version: string; status: number; cacheStatus: string; contentRange: string; etag: string }[] = [];
    for (;;) {
      const at = Date.now() - changedAt;
      for (const [i, { start, end }] of ranges.entries()) {
        const res = await send(path, { host, headers: { range: `bytes=${start}-${end}` } });
        answers.push({
          at,
          range: i,
          version: versionOf(res.body, start),
          status: res.status,
          cacheStatus: String(res.headers["cache-status"]),
          contentRange: String(res.headers["content-range"]),
          etag: String(res.headers.etag),
        });
      }
      const last = answers.slice(-ranges.length);
      if (last.every((a) => a.version === "v2") || at > bound * 1000 + 3 * slackMs) break;
      await sleep(pollEveryMs);
    }

    for (const a of answers) {
      expect(a.status).toBe(206);
      expect(a.contentRange).toBe(`bytes ${ranges[a.range]!.start}-${ranges[a.range]!.end}/${size}`);
      // Never a mix of versions in one answer, and each answer's ETag is its bytes' version.
      expect(["v1", "v2"]).toContain(a.version);
      expect(a.etag).toBe(a.version === "v1" ? etag1 : etag2);
    }
    for (const i of ranges.keys()) {
      const mine = answers.filter((a) => a.range === i);
      const switched = mine.findIndex((a) => a.version === "v2");
      expect(switched, `range ${i} never got the new bytes`).toBeGreaterThanOrEqual(0);
      expect(mine[switched]!.at).toBeLessThanOrEqual(bound * 1000 + slackMs);
      // Until then the old copy, straight from the cache; afterwards never the old bytes again.
      for (const a of mine.slice(0, switched)) {
        expect(a.version).toBe("v1");
        expect(a.cacheStatus).toMatch(fromCache);
      }
      for (const a of mine.slice(switched)) expect(a.version).toBe("v2");
      console.log(`replaced mp3, range ${i}: new bytes ${mine[switched]!.at} ms after the change (bound ${bound * 1000} ms), ${switched} old answers before`);
    }

    // At the origin, since the warm-up: conditional requests for segment 0 only; 304s while v1
    // was current, then one 206 that brought v2's segment 0 (asked with v1's ETag), then v2's
    // segment 1, once. No bytes of v1 were fetched again, no request asked for the whole object.
    const gets = await originGets("assets", path);
    const segment0 = `bytes=0-${segmentBytes - 1}`;
    const segment1 = `bytes=${segmentBytes}-${2 * segmentBytes - 1}`;
    const conditional = gets.filter((r) => r.headers["if-none-match"] !== undefined);
    for (const r of conditional) expect(r.headers.range).toBe(segment0);
    const brought = conditional.filter((r) => r.status === 206);
    expect(brought).toHaveLength(1);
    expect(brought[0]!.headers["if-none-match"]).toBe(etag1);
    expect(brought[0]!.at).toBeGreaterThanOrEqual(changedAt);
    const unchanged = conditional.filter((r) => r.at < changedAt);
    expect(unchanged.length).toBeGreaterThanOrEqual(1);
    for (const r of unchanged) expect([r.status, r.headers["if-none-match"]]).toEqual([304, etag1]);
    for (const r of conditional.slice(conditional.indexOf(brought[0]!) + 1)) expect([r.status, r.headers["if-none-match"]]).toEqual([304, etag2]);
    const unconditional = gets.filter((r) => r.headers["if-none-match"] === undefined);
    expect(unconditional.map((r) => [r.headers.range, r.status])).toEqual([[segment1, 206]]);
    expect(unconditional[0]!.at).toBeGreaterThan(brought[0]!.at);

    // An unchanged object from then on: only 304s, its segments from the cache.
    await resetOrigins();
    await sleep((bound + 1) * 1000);
    for (const { start, end } of ranges) {
      const again = await send(path, { host, headers: { range: `bytes=${start}-${end}` } });
      expect(versionOf(again.body, start)).toBe("v2");
    }
    const later = await originGets("assets", path);
    expect(later.length).toBeGreaterThanOrEqual(1);
    expect(later.every((r) => r.status === 304 && r.headers["if-none-match"] === etag2 && r.headers.range === segment0)).toBe(true);
  });
});
