// Objects larger than the 100 MB the HTTP cache keeps whole (spec: "test with 300 MB"): ranges
// across segment boundaries and whole downloads, every byte compared with the fixture as it
// streams (neither body is ever held). Tests in this file run in order: the cold-range count
// on the 300 MB episode comes before its full download, which caches every segment.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mp3s } from "../../scripts/origins/fixtures.js";
import { prefetchSegments } from "../../src/cache/segment-stream.js";
import { segmentBytes, segmentCount, segmentIndexOf } from "../../src/cache/segments.js";
import { cold, purgeWarmed } from "../shared/cold-cache.js";
import { originRequests, resetOrigins } from "./support/edge.js";
import { assets, rangesSeen, streamFrom } from "./mp3-support.js";

beforeEach(resetOrigins);
afterEach(purgeWarmed);

const big = mp3s.oneTwentyMB;
const huge = mp3s.threeHundredMB;
const slow = { timeout: 240_000 };

describe("the 120 MB episode", () => {
  for (const k of [1, 2, 7]) {
    const [start, end] = [k * segmentBytes - 3, k * segmentBytes + 2];
    it(`bytes=${start}-${end} crosses the boundary of segments ${k - 1} and ${k} with exact bytes`, async () => {
      const res = await streamFrom(big.path, { headers: { range: `bytes=${start}-${end}` }, expect: { fixture: big, start } });
      expect(res.status).toBe(206);
      expect(res.headers["content-range"]).toBe(`bytes ${start}-${end}/${big.size}`);
      expect(res.complete && res.mismatchAt === -1 && res.bytes === 6).toBe(true);
    });
  }

  it("the last bytes (bytes=-17)", async () => {
    const res = await streamFrom(big.path, { headers: { range: "bytes=-17" }, expect: { fixture: big, start: big.size - 17 } });
    expect(res.status).toBe(206);
    expect(res.complete && res.mismatchAt === -1 && res.bytes === 17).toBe(true);
  });

  it("in full, twice: every byte both times, the second from the cache alone", slow, async () => {
    await cold(assets, big.path);
    await resetOrigins();
    const first = await streamFrom(big.path, { expect: { fixture: big, start: 0 } });
    expect(first.status).toBe(200);
    expect(first.headers["content-length"]).toBe(String(big.size));
    expect(first.complete && first.mismatchAt === -1 && first.bytes === big.size).toBe(true);

    await resetOrigins();
    const second = await streamFrom(big.path, { expect: { fixture: big, start: 0 } });
    expect(second.complete && second.mismatchAt === -1 && second.bytes === big.size).toBe(true);
    expect(second.headers["cache-status"]).toMatch(/^changelog-edge; hit;/);
    expect(await originRequests("assets")).toEqual([]);
  });
});

describe("the 300 MB episode", () => {
  it("a cold range across three segments in the middle: exactly those three origin requests", async () => {
    await cold(assets, huge.path);
    await resetOrigins();
    const middle = segmentIndexOf(Math.floor(huge.size / 2));
    const [start, end] = [middle * segmentBytes + 5, (middle + 2) * segmentBytes + 5];
    const res = await streamFrom(huge.path, { headers: { range: `bytes=${start}-${end}` }, expect: { fixture: huge, start } });
    expect(res.status).toBe(206);
    expect(res.complete && res.mismatchAt === -1 && res.bytes === end - start + 1).toBe(true);
    const starts = rangesSeen(await originRequests("assets")).map((r) => Number(/^bytes=(\d+)-/.exec(r)?.[1]));
    expect(starts.sort((a, b) => a - b)).toEqual([middle, middle + 1, middle + 2].map((i) => i * segmentBytes));
  });

  it("in full: 200, every byte, Content-Length of the whole episode, streamed as it arrives", slow, async () => {
    // When the first byte reaches the client, the edge has asked the origin for a few segments
    // only (the one being sent and those opened ahead), not for the whole episode.
    let askedAtFirstByte = -1;
    const atFirstByte = async () => {
      askedAtFirstByte = (await originRequests("assets")).length;
    };
    const res = await streamFrom(huge.path, { expect: { fixture: huge, start: 0 }, atFirstByte });
    expect(askedAtFirstByte).toBeGreaterThan(0);
    expect(askedAtFirstByte).toBeLessThanOrEqual(3 * (1 + prefetchSegments));
    expect(segmentCount(huge.size)).toBeGreaterThan(100);
    expect(res.status).toBe(200);
    expect(res.headers["content-length"]).toBe(String(huge.size));
    expect(res.complete).toBe(true);
    expect(res.bytes).toBe(huge.size);
    expect(res.mismatchAt).toBe(-1);
  });

  it("after that, a range at the very end comes from the cache", async () => {
    const start = huge.size - 1_000_000;
    const res = await streamFrom(huge.path, { headers: { range: `bytes=${start}-` }, expect: { fixture: huge, start } });
    expect(res.status).toBe(206);
    expect(res.complete && res.mismatchAt === -1 && res.bytes === 1_000_000).toBe(true);
    expect(await originRequests("assets")).toEqual([]);
  });
});
