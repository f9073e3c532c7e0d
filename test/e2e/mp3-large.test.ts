// Objects larger than the 100 MB the HTTP cache keeps whole (spec: "test with 300 MB"), within
// Fastly Compute's per-execution limits (32 backend requests, 50 ms of vCPU, 2 minutes): ranges
// across segment boundaries, ranges longer than an answer from the store (a 206 of the answer's
// length from where they start), a player reading the 120 MB episode through with successive
// open ranges, whole downloads (the origin's body through the HTTP cache, on the host) and
// clients that reset mid-body. Every byte is compared with the fixture as it streams (no body is
// ever held). Origin requests are counted per client request by the X-Request-Id the edge sends
// with each of them.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mp3s } from "../../scripts/origins/fixtures.js";
import type { RecordedRequest } from "../../scripts/origins/front.js";
import { computeLimits } from "../../src/config/limits.js";
import { requestEndpoint } from "../../src/config/log-endpoints.js";
import { segmentBytes, segmentCount, segmentIndexOf, segmentRange } from "../../src/cache/segments.js";
import { cold, purgeWarmed } from "../shared/cold-cache.js";
import { uniqueAgent, watchLog } from "../support/viceroy-log.js";
import { edge, originRequests, resetOrigins } from "./support/edge.js";
import { answerBytes, assets, boundedEnd, madeFor, rangesSeen, readLikeAPlayer, requestIdOf, streamFrom, type Streamed } from "./mp3-support.js";
import { expectEachTier, ownCacheStatus, twoTiers } from "./support/tiers.js";

beforeEach(resetOrigins);
afterEach(purgeWarmed);

const big = mp3s.oneTwentyMB;
const huge = mp3s.threeHundredMB;
const slow = { timeout: 240_000 };

/** A 200 larger than an answer: the origin's body, through the HTTP cache. */
// Known objects: the client's GET through the HTTP cache; a cold one: the whole GET that also
// taught the store what the object is. On two tiers both the shield's entry and the POP's say so:
// the POP's whole GET goes to the shield, whose own goes to the origin (expectEachTier).
const wholeFromOrigin =
  /^changelog-edge; (fwd=bypass; detail="[^"]*larger-than-an-answer http-cache"|fwd=uri-miss; stored; ttl=\d+; detail="[^"]*whole-from-origin")$/;

/** Whether a Range request the origin received is one whole segment of an object of `size`. */
function isWholeSegment(range: string, size: number): boolean {
  const match = /^bytes=(\d+)-(\d+)$/.exec(range);
  if (!match) return false;
  const held = segmentRange(segmentIndexOf(Number(match[1]), segmentBytes), size, segmentBytes);
  return Number(match[1]) === held.start && Number(match[2]) === held.end;
}

/** The start offsets of the whole segments a range `start`-`end` touches. */
function touched(start: number, end: number): number[] {
  const starts: number[] = [];
  for (let i = segmentIndexOf(start, segmentBytes); i <= segmentIndexOf(end, segmentBytes); i++) starts.push(i * segmentBytes);
  return starts;
}

/** Expects a 206 of exactly `start`-`end` of `fixture`, every byte right. */
function expectRange(res: Streamed, fixture: { size: number }, start: number, end: number): void {
  expect(res.status).toBe(206);
  expect(res.headers["content-range"]).toBe(`bytes ${start}-${end}/${fixture.size}`);
  expect(res.headers["content-length"]).toBe(String(end - start + 1));
  expect(res.complete && res.mismatchAt === -1 && res.bytes === end - start + 1).toBe(true);
}

describe("the 120 MB episode", () => {
  for (const k of [1, 2, 7]) {
    const [start, end] = [k * segmentBytes - 3, k * segmentBytes + 2];
    it(`bytes=${start}-${end} crosses the boundary of segments ${k - 1} and ${k} with exact bytes`, async () => {
      const res = await streamFrom(big.path, { headers: { range: `bytes=${start}-${end}` }, expect: { fixture: big, start } });
      expectRange(res, big, start, end);
    });
  }

  it("the last bytes (bytes=-17)", async () => {
    const res = await streamFrom(big.path, { headers: { range: "bytes=-17" }, expect: { fixture: big, start: big.size - 17 } });
    expectRange(res, big, big.size - 17, big.size - 1);
  });

  it("a player reading it through, cold, with successive open ranges: every byte, each segment fetched once, each request within its budget", slow, async () => {
    await cold(assets, big.path);
    await resetOrigins();
    const { answers, reached } = await readLikeAPlayer(big.path, big);
    expect(reached).toBe(big.size);
    // One client request per answer's worth, each a 206 of exactly that, from where it was asked.
    expect(answers).toHaveLength(Math.ceil(big.size / answerBytes));
    for (const a of answers) {
      const end = boundedEnd(a.from, big.size - 1);
      expect(a.headers["content-range"]).toBe(`bytes ${a.from}-${end}/${big.size}`);
      if (end < big.size - 1) expect(ownCacheStatus(a)).toContain("range-bounded");
      else expect(a.headers["cache-status"]).not.toContain("range-bounded");
    }
    expect(ownCacheStatus(answers[0]!)).toContain("fwd=uri-miss");

    // Each segment once, nothing else; no client request made more than 3 origin requests.
    const seen = await originRequests("assets");
    expect(rangesSeen(seen).every((r) => isWholeSegment(r, big.size))).toBe(true);
    expect(new Set(rangesSeen(seen)).size).toBe(seen.length);
    expect(seen).toHaveLength(segmentCount(big.size, segmentBytes));
    const perRequest = answers.map((a) => madeFor(seen, a).length);
    expect(Math.max(...perRequest)).toBeLessThanOrEqual(3);
    expect(perRequest.reduce((a, b) => a + b, 0)).toBe(seen.length);

    // Read again from the middle: the cache alone.
    await resetOrigins();
    const again = await readLikeAPlayer(big.path, big, { from: Math.floor(big.size / 2) + 7, maxRequests: 3 });
    expect(again.answers).toHaveLength(3);
    expect(again.answers.every((a) => a.complete && a.mismatchAt === -1 && a.headers["x-cache"] === "HIT")).toBe(true);
    expect(await originRequests("assets")).toEqual([]);
  });

  it("in full, the object known: 200, every byte, exactly one origin request, the whole object through the HTTP cache", slow, async () => {
    // Know the object (its entry and first segment) first, so the download alone is counted.
    const first = await streamFrom(big.path, { headers: { range: "bytes=0-0" } });
    expect(first.status).toBe(206);
    await resetOrigins();
    const res = await streamFrom(big.path, { expect: { fixture: big, start: 0 } });
    expect(res.status).toBe(200);
    expect(res.headers["content-length"]).toBe(String(big.size));
    expect(res.headers["content-range"]).toBeUndefined();
    expectEachTier(res, wholeFromOrigin);
    expect(res.complete && res.mismatchAt === -1 && res.bytes === big.size).toBe(true);
    // Viceroy has no readthrough cache, so it reaches the origin: the client's GET, without Range.
    const asked = (seen: RecordedRequest[]) => seen.map((r) => [r.method, r.headers.range ?? "(none)", r.headers["x-request-id"]]);
    expect(asked(await originRequests("assets"))).toEqual([["GET", "(none)", requestIdOf(res)]]);
    // Two tiers: that one came from the shield, for the POP's one request (its request id) there.
    if (twoTiers()) expect(asked(await originRequests("shield"))).toEqual([["GET", "(none)", requestIdOf(res)]]);
  });
});

describe("the 300 MB episode, cold", () => {
  it("bytes=0-: a 206 of one answer's worth from the start, exact, its one segment fetched", async () => {
    await cold(assets, huge.path);
    await resetOrigins();
    const res = await streamFrom(huge.path, { headers: { range: "bytes=0-" }, expect: { fixture: huge, start: 0 } });
    expectRange(res, huge, 0, answerBytes - 1);
    expect(ownCacheStatus(res)).toMatch(/^changelog-edge; fwd=uri-miss; stored; .*range-bounded segments=0\/1"$/);
    const seen = await originRequests("assets");
    expect(madeFor(seen, res).length).toBeLessThanOrEqual(3);
    expect(rangesSeen(seen)).toEqual(touched(0, answerBytes - 1).map((s) => `bytes=${s}-${s + segmentBytes - 1}`));
  });

  it("an open range from the middle: an answer's worth from where it starts, exactly the segments it touches", async () => {
    await cold(assets, huge.path);
    await resetOrigins();
    // Ends in the next segment, so the answer needs two.
    const start = 75 * segmentBytes - 1000;
    const end = boundedEnd(start, huge.size - 1);
    expect(touched(start, end)).toHaveLength(2);
    const res = await streamFrom(huge.path, { headers: { range: `bytes=${start}-` }, expect: { fixture: huge, start } });
    expectRange(res, huge, start, end);
    expect(res.headers["cache-status"]).toContain("range-bounded");
    const seen = await originRequests("assets");
    expect(madeFor(seen, res)).toHaveLength(seen.length);
    expect(seen.length).toBeLessThanOrEqual(3);
    expect(rangesSeen(seen).map((r) => Number(/^bytes=(\d+)-/.exec(r)?.[1])).sort((a, b) => a - b)).toEqual(touched(start, end));
  });

  it("a closed range across three segments in the middle: bounded to an answer, exactly the segments that holds", async () => {
    await cold(assets, huge.path);
    await resetOrigins();
    const middle = segmentIndexOf(Math.floor(huge.size / 2), segmentBytes);
    const [start, end] = [middle * segmentBytes + 5, (middle + 2) * segmentBytes + 5];
    const held = boundedEnd(start, end);
    expect(held).toBeLessThan(end);
    const res = await streamFrom(huge.path, { headers: { range: `bytes=${start}-${end}` }, expect: { fixture: huge, start } });
    expectRange(res, huge, start, held);
    expect(res.headers["cache-status"]).toContain("range-bounded");
    const starts = rangesSeen(await originRequests("assets")).map((r) => Number(/^bytes=(\d+)-/.exec(r)?.[1]));
    expect(starts.sort((a, b) => a - b)).toEqual(touched(start, held));
  });

  it("a suffix range longer than an answer: an answer's worth from where the suffix starts", async () => {
    await cold(assets, huge.path);
    await resetOrigins();
    const start = huge.size - 5_000_000;
    const end = boundedEnd(start, huge.size - 1);
    const res = await streamFrom(huge.path, { headers: { range: "bytes=-5000000" }, expect: { fixture: huge, start } });
    expectRange(res, huge, start, end);
    expect(res.headers["cache-status"]).toContain("range-bounded");
    // The size is not known yet: segment 0 tells it, then the segments the answer needs.
    const seen = rangesSeen(await originRequests("assets"));
    expect(seen.length).toBeLessThanOrEqual(3);
    expect(seen.every((r) => isWholeSegment(r, huge.size))).toBe(true);
    for (const s of touched(start, end)) expect(seen).toContain(`bytes=${s}-${Math.min(s + segmentBytes, huge.size) - 1}`);
  });

  it("in full: 200, every byte, Content-Length of the whole episode, streamed as it arrives, one origin request for the body", slow, async () => {
    await cold(assets, huge.path);
    await resetOrigins();
    let askedAtFirstByte = -1;
    const atFirstByte = async () => {
      askedAtFirstByte = (await originRequests("assets")).length;
    };
    const res = await streamFrom(huge.path, { expect: { fixture: huge, start: 0 }, atFirstByte });
    expect(res.status).toBe(200);
    expect(res.headers["content-length"]).toBe(String(huge.size));
    expectEachTier(res, wholeFromOrigin);
    expect(res.complete).toBe(true);
    expect(res.bytes).toBe(huge.size);
    expect(res.mismatchAt).toBe(-1);
    // The body is the origin's, handed over as it arrives: at the first byte nothing else was asked.
    expect(askedAtFirstByte).toBeGreaterThan(0);
    expect(askedAtFirstByte).toBe(1);
    const seen = await originRequests("assets");
    const mine = madeFor(seen, res);
    expect(mine).toHaveLength(seen.length);
    expect(mine.length).toBeLessThanOrEqual(computeLimits.backendRequests);
    // One origin request, for the whole object, which also tells the store what it is.
    expect(rangesSeen(mine)).toEqual(["(none)"]);
  });

  // A cold full GET learns the object from the whole answer itself: no probe for segment 0.
  it("in full, cold: exactly one origin request, for the whole object", async () => {
    const mp3 = mp3s.spareE;
    await cold(assets, mp3.path);
    await resetOrigins();
    const res = await streamFrom(mp3.path, { expect: { fixture: mp3, start: 0 } });
    expect(res.status).toBe(200);
    expect(res.complete && res.mismatchAt === -1 && res.bytes === mp3.size).toBe(true);
    expect(rangesSeen(await originRequests("assets"))).toEqual(["(none)"]);
  });
});

describe("clients that reset mid-body", () => {
  it("one resets 2 MB into a full GET, one halfway through a range: the edge keeps serving the others; one request-log line each", slow, async () => {
    const log = watchLog(edge().logPath, new Set([requestEndpoint.name]));
    const fullAgent = uniqueAgent("mp3-reset-full");
    const rangeAgent = uniqueAgent("mp3-reset-range");
    const resetAt = 2_000_000;
    // The range asks for more than an answer from the store holds, so it gets the longest one
    // (1 MiB: the client resets halfway, as it cannot get 2 MB from one answer).
    const rangeStart = 20 * segmentBytes + 123;
    const meanwhile = 30 * segmentBytes + 5;
    const [full, range, other] = await Promise.all([
      streamFrom(big.path, { headers: { "user-agent": fullAgent }, expect: { fixture: big, start: 0 }, resetAfter: resetAt }),
      streamFrom(big.path, { headers: { "user-agent": rangeAgent, range: `bytes=${rangeStart}-` }, expect: { fixture: big, start: rangeStart }, resetAfter: Math.min(resetAt, answerBytes / 2) }),
      streamFrom(big.path, { headers: { range: `bytes=${meanwhile}-${meanwhile + 99_999}` }, expect: { fixture: big, start: meanwhile } }),
    ]);
    expect(full.status).toBe(200);
    expect(full.complete).toBe(false);
    expect(full.mismatchAt).toBe(-1);
    expect(range.status).toBe(206);
    expect(range.complete).toBe(false);
    expect(range.mismatchAt).toBe(-1);
    expectRange(other, big, meanwhile, meanwhile + 99_999);

    // After them, both kinds of answer still come whole.
    const after = await streamFrom(big.path, { headers: { range: `bytes=${rangeStart}-` }, expect: { fixture: big, start: rangeStart } });
    expectRange(after, big, rangeStart, boundedEnd(rangeStart, big.size - 1));
    const tail = await streamFrom(big.path, { headers: { range: "bytes=-1000" }, expect: { fixture: big, start: big.size - 1000 } });
    expectRange(tail, big, big.size - 1000, big.size - 1);

    const lineOf = async (agent: string) => {
      const [line] = await log.waitFor((l) => JSON.parse(l.message).user_agent === agent);
      return JSON.parse(line!.message) as Record<string, unknown>;
    };
    const fullLine = await lineOf(fullAgent);
    const rangeLine = await lineOf(rangeAgent);
    // A host body's line is written when it is handed over, with its length.
    expect(fullLine).toMatchObject({ status: 200, delivery: "host", bytes_out: big.size, request_id: requestIdOf(full) });
    // A written body's line, when it has ended: at least what the client took, at most the answer.
    expect(rangeLine).toMatchObject({ status: 206, request_id: requestIdOf(range) });
    expect(["client-gone", "complete"]).toContain(rangeLine.delivery);
    expect(Number(rangeLine.bytes_out)).toBeGreaterThanOrEqual(range.bytes);
    expect(Number(rangeLine.bytes_out)).toBeLessThanOrEqual(answerBytes);
    // And no second line for either, once everything has settled.
    await new Promise((r) => setTimeout(r, 1000));
    for (const agent of [fullAgent, rangeAgent]) {
      expect(log.lines().filter((l) => JSON.parse(l.message).user_agent === agent)).toHaveLength(1);
    }
  });
});
