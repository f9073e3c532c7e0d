// The segmented store through the real wasm, counting requests at the assets origin: a range
// costs one origin request per segment it needs that is not cached yet, and none once it is;
// concurrent clients share those requests; no answer from the store is larger than 2 MiB (a
// longer range is a 206 of its first 2 MiB, a 200 of a larger object is the origin's body);
// HEAD, 404s, objects that cannot be stored (hit-for-pass), origin failures, a body cut by the
// origin, and a new version of an object at the origin.
//
// Every scenario here needs bytes no earlier request has touched: it purges its URL first
// (test/shared/cold-cache.ts, which also proves a URL purge reaches every segment) and again
// after, and uses its own spare fixture or an object it writes into the local bucket itself.
//
// On two tiers (the "e2e-shielded" project) the edge tests talk to is a POP: it fills from the
// shield, in segments of `popSegmentBytes()` (1 MiB), and the shield fills from the origin in
// `segmentBytes`. Where a test is about how the edge handles its upstream (refusals, cut bodies,
// repairs), the fault is injected at `assetsUpstream()` and the requests counted there, at the
// POP's segment size: the same property on both tiers. Where it is about what the origin is
// asked, the origin's requests are counted (the shield's, on two tiers).

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixtureBytes, generatedBytes, mp3s, type Fixture } from "../../scripts/origins/fixtures.js";
import { segmentBytes, segmentIndexOf, segmentRange } from "../../src/cache/segments.js";
import { cold, purgeWarmed } from "../shared/cold-cache.js";
import { putObject as putBucketObject } from "./support/buckets.js";
import { edge, injectFault, originRequests, resetOrigins } from "./support/edge.js";
import { answerBytes, assets, boundedEnd, fetchWhole, madeFor, multipartParts, rangesSeen, readLikeAPlayer, streamFrom } from "./mp3-support.js";
import {
  assetsUpstream,
  cacheStatusEntries,
  expectEachTier,
  expectShieldEntry,
  ownAssetsRequests,
  ownCacheStatus,
  ownXCache,
  popSegmentBytes,
  sendToEveryInstance,
  shieldXCache,
  twoTiers,
} from "./support/tiers.js";

beforeEach(resetOrigins);
afterEach(purgeWarmed);

/** Segment start offsets that bytes [start, end] need, in segments of `segment` bytes. */
function segmentStarts(start: number, end: number, segment = segmentBytes): number[] {
  const starts: number[] = [];
  for (let i = segmentIndexOf(start, segment); i <= segmentIndexOf(end, segment); i++) starts.push(i * segment);
  return starts;
}

/** The Range header asking for the whole segment that starts at `start` of an object of `size`. */
function segmentHeader(start: number, size: number, segment: number): string {
  const whole = segmentRange(segmentIndexOf(start, segment), size, segment);
  return `bytes=${whole.start}-${whole.end}`;
}

/** The start offsets of the Range requests `origin` received, sorted. */
async function originSegmentStarts(origin = "assets"): Promise<number[]> {
  const seen = rangesSeen(await originRequests(origin));
  return seen.map((r) => Number(/^bytes=(\d+)-\d+$/.exec(r)?.[1] ?? NaN)).sort((a, b) => a - b);
}

/** Whether a Range request asked for one whole segment of `segment` bytes (not a client's own bytes). */
function isWholeSegment(range: string, size: number, segment = segmentBytes): boolean {
  const match = /^bytes=(\d+)-(\d+)$/.exec(range);
  if (!match) return false;
  const start = Number(match[1]);
  const index = segmentIndexOf(start, segment);
  const whole = segmentRange(index, size, segment);
  return start === whole.start && Number(match[2]) === whole.end;
}

/** The start offsets of the whole-segment Range requests `origin` received, sorted. */
async function wholeSegmentStarts(size = Number.MAX_SAFE_INTEGER, origin = "assets", segment = segmentBytes): Promise<number[]> {
  const seen = rangesSeen(await originRequests(origin)).filter((r) => isWholeSegment(r, size, segment));
  return seen.map((r) => Number(/^bytes=(\d+)-/.exec(r)![1])).sort((a, b) => a - b);
}

/** Writes `object` into the bucket and has the edge learn it (its object entry and first segment). */
async function withObjectEntry(object: GeneratedFixture): Promise<void> {
  await putObject(object);
  await cold(assets, object.path);
  await fetchWhole(object.path, { headers: { range: "bytes=0-99" } });
  await resetOrigins();
}

/** Waits (up to 5 s) until `origin` has seen `count` requests: background work landing. */
async function originRequestsReach(count: number, settleMs = 200, origin = "assets"): Promise<void> {
  for (let waited = 0; waited < 50 && (await originRequests(origin)).length < count; waited++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, settleMs));
}

/** `origin` sends 100,000 bytes of the object's next `times` answers, then resets. */
const cutAfter100k = (path: string, times: number, origin = "assets") => injectFault(origin, { mode: "reset-after", bytes: 100_000, path, times });

/** An mp3 this file writes into the local assets bucket itself (generated bytes, like fixtures). */
type GeneratedFixture = Fixture & { readonly body: { readonly seed: number } };

function testObject(name: string, size: number, seed: number): GeneratedFixture {
  return { bucket: "assets", path: `/uploads/edge-tests/${name}.mp3`, contentType: "audio/mpeg", size, body: { seed } };
}

/** Writes `object` into the local assets bucket; `cacheControl` is what the origin will send with it. */
async function putObject(object: GeneratedFixture, cacheControl?: string): Promise<void> {
  await putBucketObject("assets", object.path, generatedBytes(object.body.seed, 0, object.size), { contentType: object.contentType, ...(cacheControl ? { cacheControl } : {}) });
}

/** The Cache-Status detail of a 200 larger than an answer: the origin's body, through the HTTP cache. */
// Known objects: the client's GET through the HTTP cache; a cold one: the whole GET that also
// taught the store what the object is. On two tiers both the shield's entry and the POP's say so:
// the POP's whole GET goes to the shield, whose own goes to the origin (expectEachTier).
const wholeFromOrigin =
  /^changelog-edge; (fwd=bypass; detail="[^"]*larger-than-an-answer http-cache"|fwd=uri-miss; stored; ttl=\d+; detail="[^"]*whole-from-origin")$/;

/** Expects `res` to be the 200 of a whole object larger than an answer, every byte right. */
function expectWhole(res: Awaited<ReturnType<typeof streamFrom>>, size: number): void {
  expect(res.status).toBe(200);
  expect(res.headers["content-length"]).toBe(String(size));
  expectEachTier(res, wholeFromOrigin);
  expect(res.complete && res.mismatchAt === -1 && res.bytes === size).toBe(true);
}

describe("origin requests for ranges", () => {
  it("a first-touch range makes one origin request per segment it needs; the same bytes again make none", async () => {
    const mp3 = mp3s.spareB;
    await cold(assets, mp3.path);
    // Across the boundary of segments 0 and 1, shorter than an answer.
    const [start, end] = [segmentBytes - 100_000, segmentBytes + 100_000];
    expect(end - start + 1).toBeLessThanOrEqual(answerBytes);
    const first = await streamFrom(mp3.path, { headers: { range: `bytes=${start}-${end}` }, expect: { fixture: mp3, start } });
    expect(first.status).toBe(206);
    expect(first.headers["content-range"]).toBe(`bytes ${start}-${end}/${mp3.size}`);
    expect(first.complete && first.mismatchAt === -1 && first.bytes === end - start + 1).toBe(true);
    expect(ownCacheStatus(first)).toContain("fwd=uri-miss");
    expect(first.headers["cache-status"]).not.toContain("range-bounded");
    expect(ownXCache(first)).toBe("MISS");
    // Two tiers: cold() purged the shield too, so it missed as well and asked the origin.
    expect(shieldXCache(first)).toBe(twoTiers() ? "MISS" : undefined);
    expectShieldEntry(first, /^changelog-edge; fwd=(uri-miss|miss); /);
    // The origin's requests are per `segmentBytes` segment on either tier (on two, the shield's);
    // on two tiers the POP asked the shield for each of its own, smaller segments.
    expect(await originSegmentStarts()).toEqual(segmentStarts(start, end));
    expect(await originSegmentStarts(assetsUpstream())).toEqual(segmentStarts(start, end, popSegmentBytes()));
    const seen = await originRequests("assets");
    expect(seen.every((r) => r.method === "GET" && r.headers.host === "changelog.place")).toBe(true);

    await resetOrigins();
    const again = await streamFrom(mp3.path, { headers: { range: `bytes=${start}-${end}` }, expect: { fixture: mp3, start } });
    expect(again.complete && again.mismatchAt === -1).toBe(true);
    expect(again.headers["cache-status"]).toMatch(/^changelog-edge; hit; ttl=\d+/);
    expect(again.headers["x-cache"]).toBe("HIT");
    const inside = await fetchWhole(mp3.path, { headers: { range: "bytes=5000-5999" } });
    expect(inside.status).toBe(206);
    expect(inside.body).toEqual(Buffer.from(fixtureBytes(mp3, 5000, 6000)));
    // An open range from there is longer than an answer: a 206 of the answer's length from
    // where it starts, from the same two segments.
    const open = await streamFrom(mp3.path, { headers: { range: `bytes=${start}-` }, expect: { fixture: mp3, start } });
    expect(open.status).toBe(206);
    expect(open.headers["content-range"]).toBe(`bytes ${start}-${start + answerBytes - 1}/${mp3.size}`);
    expect(open.complete && open.mismatchAt === -1 && open.bytes === answerBytes).toBe(true);
    expect(open.headers["cache-status"]).toMatch(/^changelog-edge; hit; .*range-bounded segments=2\/2"$/);
    expect(await originRequests("assets")).toEqual([]);
  });

  it("a range over cached and uncached segments: Cache-Status says fwd=partial, and only the missing segments are fetched", async () => {
    const object = testObject("partial", 3 * segmentBytes + 1000, 309);
    await withObjectEntry(object);
    // Across the boundary of the edge's segments 0 (cached by withObjectEntry) and 1 (not).
    const segment = popSegmentBytes();
    const [start, end] = [segment - 1000, segment + 1000];
    const res = await streamFrom(object.path, { headers: { range: `bytes=${start}-${end}` }, expect: { fixture: object, start } });
    expect(res.status).toBe(206);
    expect(res.complete && res.mismatchAt === -1 && res.bytes === end - start + 1).toBe(true);
    expect(ownCacheStatus(res)).toMatch(/^changelog-edge; fwd=partial; stored; .*detail="[^"]*segments=1\/2"$/);
    expect(ownXCache(res)).toBe("MISS");
    expect(await originSegmentStarts(assetsUpstream())).toEqual([segment]);
    // The 206's headers went out from segment 0 before segment 1 was asked for, so they carry the
    // edge's entry alone: on two tiers not the shield's, which answered only afterwards.
    expect(cacheStatusEntries(res)).toHaveLength(1);
    // Two tiers: the POP's segment 1 lies in the shield's segment 0, which withObjectEntry brought
    // there: the shield answered it from its cache and the origin heard nothing.
    if (twoTiers()) expect(await originRequests("assets")).toEqual([]);
  });

  it("8 concurrent clients asking for the same cold range longer than an answer: each gets an answer's worth, one origin request per segment", async () => {
    const mp3 = mp3s.spareC;
    await cold(assets, mp3.path);
    // What they get starts in segment 0 and ends in segment 1.
    const [start, end] = [segmentBytes - 300_000, mp3.size - 4321];
    const held = boundedEnd(start, end);
    expect(held).toBeLessThan(end);
    expect(segmentStarts(start, held)).toEqual([0, segmentBytes]);
    const clients = await Promise.all(
      Array.from({ length: 8 }, () => streamFrom(mp3.path, { headers: { range: `bytes=${start}-${end}` }, expect: { fixture: mp3, start } })),
    );
    for (const res of clients) {
      expect(res.status).toBe(206);
      expect(res.headers["content-range"]).toBe(`bytes ${start}-${held}/${mp3.size}`);
      expect(res.headers["content-length"]).toBe(String(answerBytes));
      expect(res.headers["cache-status"]).toContain("range-bounded");
      expect(res.complete && res.mismatchAt === -1 && res.bytes === answerBytes).toBe(true);
    }
    expect(await originSegmentStarts()).toEqual(segmentStarts(start, held));
  });

  it("8 concurrent clients downloading a cold object of one answer's size in full: one origin request, the whole object, kept as its segment", async () => {
    const object = testObject("concurrent-one-answer", answerBytes, 311);
    await putObject(object);
    await cold(assets, object.path);
    await resetOrigins();
    const clients = await Promise.all(Array.from({ length: 8 }, () => streamFrom(object.path, { expect: { fixture: object, start: 0 } })));
    for (const res of clients) {
      expect(res.status).toBe(200);
      expect(res.headers["content-length"]).toBe(String(object.size));
      expect(res.headers["cache-status"]).not.toContain("fwd=bypass");
      expect(res.complete && res.mismatchAt === -1 && res.bytes === object.size).toBe(true);
    }
    // The whole GET of the first client, which is also the object's one segment.
    expect(rangesSeen(await originRequests("assets"))).toEqual(["(none)"]);
  });

  it("8 concurrent clients downloading a cold object larger than an answer in full: each gets the origin's body, the object is learnt once", async () => {
    const object = testObject("concurrent-full", 3 * segmentBytes + 1000, 302);
    await putObject(object);
    await cold(assets, object.path);
    await resetOrigins();
    const clients = await Promise.all(Array.from({ length: 8 }, () => streamFrom(object.path, { expect: { fixture: object, start: 0 } })));
    for (const res of clients) expectWhole(res, object.size);
    // Viceroy has no readthrough HTTP cache: every client's 200 is one origin request of its own,
    // for the whole object. What the object is (size, validators) was asked once, for all of them.
    const seen = await originRequests("assets");
    for (const res of clients) expect(rangesSeen(madeFor(seen, res)).filter((r) => r === "(none)")).toHaveLength(1);
    expect(rangesSeen(seen).filter((r) => r === "(none)")).toHaveLength(8);
    expect(rangesSeen(seen).filter((r) => r !== "(none)").length).toBeLessThanOrEqual(1);
    // Two tiers: each of those was the shield's, for one client's whole GET at the POP.
    if (twoTiers()) {
      const atShield = await originRequests("shield");
      for (const res of clients) expect(rangesSeen(madeFor(atShield, res)).filter((r) => r === "(none)")).toHaveLength(1);
    }
  });

  it("HEAD on a cold object: one origin request (the first segment, which is kept), then GET needs none", async () => {
    const cover = { path: "/uploads/covers/the-changelog-original.png", size: 48_611, contentType: "image/png" };
    await cold(assets, cover.path);
    const head = await fetchWhole(cover.path, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers["content-length"]).toBe(String(cover.size));
    expect(head.headers["content-type"]).toBe(cover.contentType);
    expect(head.headers["accept-ranges"]).toBe("bytes");
    const seen = await originRequests("assets");
    expect(seen.map((r) => [r.method, r.headers.range])).toEqual([["GET", `bytes=0-${segmentBytes - 1}`]]);

    await resetOrigins();
    const get = await fetchWhole(cover.path);
    expect(get.status).toBe(200);
    expect(get.body.length).toBe(cover.size);
    expect(get.headers["cache-status"]).toMatch(/; hit;/);
    expect(await originRequests("assets")).toEqual([]);
  });

  it("HEAD on a known object larger than an answer: from the stored metadata, no origin request", async () => {
    const object = testObject("head-large", 3 * segmentBytes + 1000, 312);
    await withObjectEntry(object);
    const head = await fetchWhole(object.path, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers["content-length"]).toBe(String(object.size));
    expect(head.headers["cache-status"]).toMatch(/^changelog-edge; hit;/);
    expect(await originRequests("assets")).toEqual([]);
  });
});

describe("an object of one segment: its bytes in the object entry", () => {
  // One segment at the POP too (1 MiB segments behind the shield).
  const size = 900_000;

  it("a cold range stores the whole object in one entry; multipart, ranges, HEAD, 304 and the full GET then read it, no origin request", async () => {
    const object = testObject("one-segment", size, 321);
    await putObject(object);
    await cold(assets, object.path);
    await resetOrigins();
    const first = await streamFrom(object.path, { headers: { range: "bytes=100-199" }, expect: { fixture: object, start: 100 } });
    expect(first.status).toBe(206);
    expect(first.complete && first.mismatchAt === -1 && first.bytes === 100).toBe(true);
    await originRequestsReach(1);
    expect(rangesSeen(await originRequests("assets"))).toEqual([`bytes=0-${segmentBytes - 1}`]);
    await new Promise((r) => setTimeout(r, 200));
    await resetOrigins();

    const wanted: [number, number][] = [
      [0, 9],
      [400_000, 400_999],
      [size - 10, size - 1],
    ];
    const multi = await fetchWhole(object.path, { headers: { range: wanted.map(([a, b]) => `${a}-${b}`).join(",").replace(/^/, "bytes=") } });
    expect(multi.status).toBe(206);
    const parts = multipartParts(String(multi.headers["content-type"]), multi.body);
    expect(parts.map((p) => p.headers["content-range"])).toEqual(wanted.map(([a, b]) => `bytes ${a}-${b}/${size}`));
    parts.forEach((part, i) => expect(part.body).toEqual(Buffer.from(fixtureBytes(object, wanted[i]![0], wanted[i]![1] + 1))));
    expect(ownCacheStatus(multi)).toMatch(/^changelog-edge; hit;.*segments=1\/1"$/);

    const head = await fetchWhole(object.path, { method: "HEAD" });
    expect(head.headers["content-length"]).toBe(String(size));
    const etag = String(head.headers.etag);
    const notModified = await fetchWhole(object.path, { headers: { "if-none-match": etag } });
    expect(notModified.status).toBe(304);
    const whole = await streamFrom(object.path, { expect: { fixture: object, start: 0 } });
    expect(whole.status).toBe(200);
    expect(whole.complete && whole.mismatchAt === -1 && whole.bytes === size).toBe(true);
    expect(ownCacheStatus(whole), String(whole.headers["cache-status"])).toMatch(/^changelog-edge; hit;/);
    expect(await originRequests("assets")).toEqual([]);
  });

  it("a cold multipart answer: its parts read from the entry while it fills, each through a handle of its own; one origin request", async () => {
    const object = testObject("one-segment-multipart", size, 323);
    await putObject(object);
    await cold(assets, object.path);
    await resetOrigins();
    const wanted: [number, number][] = [
      [0, 9],
      [size - 100, size - 1],
    ];
    const multi = await fetchWhole(object.path, { headers: { range: `bytes=${wanted.map(([a, b]) => `${a}-${b}`).join(",")}` } });
    expect(multi.status).toBe(206);
    const parts = multipartParts(String(multi.headers["content-type"]), multi.body);
    expect(parts.map((p) => p.headers["content-range"])).toEqual(wanted.map(([a, b]) => `bytes ${a}-${b}/${size}`));
    parts.forEach((part, i) => expect(part.body).toEqual(Buffer.from(fixtureBytes(object, wanted[i]![0], wanted[i]![1] + 1))));
    await new Promise((r) => setTimeout(r, 300));
    expect(rangesSeen(await originRequests("assets"))).toEqual([`bytes=0-${segmentBytes - 1}`]);
    await resetOrigins();
    const whole = await streamFrom(object.path, { expect: { fixture: object, start: 0 } });
    expect(whole.complete && whole.mismatchAt === -1 && whole.bytes === size).toBe(true);
    expect(ownCacheStatus(whole)).toMatch(/^changelog-edge; hit;/);
    expect(await originRequests("assets")).toEqual([]);
  });

  it("an origin that dies while the entry is filled and the client asked for a few bytes: they arrive whole; the next client gets every byte", async () => {
    const object = testObject("one-segment-cut", size, 322);
    await putObject(object);
    await cold(assets, object.path);
    const upstream = assetsUpstream();
    await cutAfter100k(object.path, 1, upstream);
    const small = await streamFrom(object.path, { headers: { range: "bytes=0-10" }, expect: { fixture: object, start: 0 } });
    expect(small.complete && small.mismatchAt === -1 && small.bytes === 11).toBe(true);
    // The background read-back finds the entry's bytes cut and keeps its metadata without them.
    await new Promise((r) => setTimeout(r, 500));
    await resetOrigins();
    const next = await streamFrom(object.path, { expect: { fixture: object, start: 0 } });
    expect(next.status).toBe(200);
    expect(next.complete && next.mismatchAt === -1 && next.bytes === size).toBe(true);
    const again = await streamFrom(object.path, { headers: { range: `bytes=${size - 100}-` }, expect: { fixture: object, start: size - 100 } });
    expect(again.complete && again.mismatchAt === -1 && again.bytes === 100).toBe(true);
    expect(ownCacheStatus(again)).toMatch(/^changelog-edge; hit;/);
  });
});

describe("objects the store cannot keep (hit-for-pass)", () => {
  it("Cache-Control: no-store at the origin: remembered, so every later request is one origin request, its own", async () => {
    const object = testObject("no-store", 3 * segmentBytes + 5, 320);
    await putObject(object, "no-store");
    await cold(assets, object.path);
    await resetOrigins();

    // The first request learns it cannot be stored (the probe for segment 0), then passes its own.
    const first = await streamFrom(object.path, { headers: { range: "bytes=0-99" }, expect: { fixture: object, start: 0 } });
    expect(first.status).toBe(206);
    expect(first.complete && first.mismatchAt === -1 && first.bytes === 100).toBe(true);
    const refused = /^changelog-edge; fwd=bypass; detail="[^"]*origin=assets cache-control-no-store"$/;
    expect(ownCacheStatus(first)).toMatch(refused);
    // Two tiers: the shield could not keep it either.
    expectShieldEntry(first, refused);
    expect(first.headers["cache-control"]).toBe("no-store");
    // The edge's probe (to the shield, on two tiers), then the client's own bytes, passed: straight
    // to the origin on either tier, as passes never go through the shield.
    const own = await ownAssetsRequests();
    expect(rangesSeen(own)).toEqual([`bytes=0-${popSegmentBytes() - 1}`, "bytes=0-99"]);
    expect(own.at(-1)!.tier).toBe("edge");

    const passed = /^changelog-edge; fwd=bypass; detail="[^"]*origin=assets hit-for-pass cache-control-no-store"$/;
    const later: [label: string, run: () => ReturnType<typeof streamFrom>, check: (res: Awaited<ReturnType<typeof streamFrom>>) => void, sent: string][] = [
      [
        "a range",
        () => streamFrom(object.path, { headers: { range: "bytes=3000000-3000999" }, expect: { fixture: object, start: 3_000_000 } }),
        (res) => {
          expect(res.status).toBe(206);
          expect(res.headers["content-range"]).toBe(`bytes 3000000-3000999/${object.size}`);
          expect(res.complete && res.mismatchAt === -1 && res.bytes === 1000).toBe(true);
        },
        "bytes=3000000-3000999",
      ],
      [
        "a full GET",
        () => streamFrom(object.path, { expect: { fixture: object, start: 0 } }),
        (res) => {
          expect(res.status).toBe(200);
          expect(res.headers["content-length"]).toBe(String(object.size));
          expect(res.complete && res.mismatchAt === -1 && res.bytes === object.size).toBe(true);
        },
        "(none)",
      ],
      [
        "a HEAD",
        () => streamFrom(object.path, { method: "HEAD" }),
        (res) => {
          expect(res.status).toBe(200);
          // Passed through, the origin's Content-Length: the length a GET would have.
          expect(res.headers["content-length"]).toBe(String(object.size));
          expect(res.bytes).toBe(0);
        },
        "(none)",
      ],
    ];
    for (const [label, run, check, sent] of later) {
      await resetOrigins();
      const res = await run();
      check(res);
      expect(res.headers["cache-status"], label).toMatch(passed);
      const seen = await originRequests("assets");
      expect(rangesSeen(seen), label).toEqual([sent]);
      expect(madeFor(seen, res), label).toHaveLength(1);
      expect(seen[0]!.method, label).toBe(label === "a HEAD" ? "HEAD" : "GET");
    }
  });
});

describe("answers other than the object", () => {
  it("a missing object: the origin's 404, kept briefly, so a second request does not reach the origin", async () => {
    const path = "/uploads/edge-tests/no-such-episode.mp3";
    await cold(assets, path);
    const first = await fetchWhole(path);
    expect(first.status).toBe(404);
    expect((await originRequests("assets")).length).toBe(1);
    await resetOrigins();
    const second = await fetchWhole(path, { headers: { range: "bytes=0-99" } });
    expect(second.status).toBe(404);
    expect(second.body).toEqual(first.body);
    expect(second.headers["cache-status"]).toMatch(/; hit;/);
    const head = await fetchWhole(path, { method: "HEAD" });
    expect(head.status).toBe(404);
    expect(head.body.length).toBe(0);
    expect(await originRequests("assets")).toEqual([]);
  });

  it("an origin 5xx is retried once, then passed on; nothing of it is kept", async () => {
    const mp3 = mp3s.spareF;
    await cold(assets, mp3.path);
    await injectFault("assets", { mode: "status", status: 503, times: 2, path: mp3.path });
    const failed = await fetchWhole(mp3.path, { headers: { range: "bytes=0-99" } });
    expect(failed.status).toBe(503);
    expect((await originRequests("assets")).length).toBe(2);
    // Two tiers: the shield made those two; the POP asked the shield once and passed its 503 on
    // (asking again would make four origin requests of one).
    if (twoTiers()) expect(await originRequests("shield")).toHaveLength(1);

    await resetOrigins();
    const ok = await streamFrom(mp3.path, { headers: { range: "bytes=0-99" }, expect: { fixture: mp3, start: 0 } });
    expect(ok.status).toBe(206);
    expect(ok.complete && ok.mismatchAt === -1 && ok.bytes === 100).toBe(true);
    expect(await originSegmentStarts()).toEqual([0]);
  });

  it("a later segment the origin refuses twice mid-download: the client still gets every byte, asked for by themselves", async () => {
    const object = testObject("refused-later", 2 * segmentBytes + 1000, 310);
    await withObjectEntry(object);
    // The edge's upstream refuses: the origin on one tier; on two, the shield, whose 5xx the POP
    // does not ask again (the shield retried its origin already), so one refusal is the fetch's.
    const upstream = assetsUpstream();
    const refusals = twoTiers() ? 1 : 2;
    await injectFault(upstream, { mode: "status", status: 503, times: refusals, path: object.path });
    // Segment 0 is cached, so the 206 goes out before segment 1 is asked for.
    const segment = popSegmentBytes();
    const [start, end] = [segment - 1000, segment + 999];
    const res = await streamFrom(object.path, { headers: { range: `bytes=${start}-${end}` }, expect: { fixture: object, start } });
    expect(res.status).toBe(206);
    expect(res.complete && res.mismatchAt === -1 && res.bytes === end - start + 1).toBe(true);
    // Segment 1 refused (the fetch and, on one tier, its retry), then its slice on its own.
    expect(rangesSeen(await originRequests(upstream))).toEqual([
      ...Array.from({ length: refusals }, () => `bytes=${segment}-${2 * segment - 1}`),
      `bytes=${segment}-${end}`,
    ]);
  });

  it("an origin that dies mid-segment: the rest comes from the origin, so the client gets every byte; the segment is replaced", async () => {
    const object = testObject("cut-mid-segment", segmentBytes + 1000, 301);
    await putObject(object);
    await cold(assets, object.path);
    await resetOrigins();
    // Cut by the edge's upstream (the shield on two tiers: it would otherwise absorb the origin's cut).
    const upstream = assetsUpstream();
    const segment = popSegmentBytes();
    await cutAfter100k(object.path, 1, upstream);
    // An answer's worth from segment 0, read while the segment is stored: the cut (100,000 bytes
    // into the segment) falls inside it. (On two tiers an answer is as long as a POP segment, so
    // it ends in segment 1, which is fetched as usual.)
    const start = 1000;
    const end = start + answerBytes - 1;
    const segment0 = `bytes=0-${segment - 1}`;
    const later = segmentStarts(segment, end, segment).map((s) => segmentHeader(s, object.size, segment));
    const res = await streamFrom(object.path, { headers: { range: `bytes=${start}-` }, expect: { fixture: object, start } });
    expect(res.status).toBe(206);
    expect(res.headers["content-range"]).toBe(`bytes ${start}-${end}/${object.size}`);
    expect(res.headers["content-length"]).toBe(String(answerBytes));
    expect(res.complete && res.mismatchAt === -1 && res.bytes === answerBytes).toBe(true);

    // Segment 0 cut, the rest of the client's slice asked for on its own (from wherever the
    // client had got to: a read of an insert in progress may fail before it gave anything), and
    // segment 0 again to replace the broken copy, in the background.
    await originRequestsReach(3 + later.length, 0, upstream);
    const seen = rangesSeen(await originRequests(upstream));
    expect(seen.filter((r) => r === segment0)).toHaveLength(2);
    for (const range of later) expect(seen.filter((r) => r === range)).toHaveLength(1);
    const rest = seen.filter((r) => r !== segment0 && !later.includes(r));
    expect(rest).toHaveLength(1);
    const restFrom = Number(/^bytes=(\d+)-(\d+)$/.exec(rest[0]!)?.[1]);
    expect(rest[0]).toBe(`bytes=${restFrom}-${Math.min(end, segment - 1)}`);
    expect(restFrom).toBeGreaterThanOrEqual(start);
    expect(restFrom).toBeLessThanOrEqual(100_000);
    await new Promise((r) => setTimeout(r, 200));
    await resetOrigins();
    // A player reading it all: the segments that answer filled (segment 0 the replacement) whole
    // from the cache, only the rest from upstream.
    const filled = segmentStarts(0, end, segment);
    const cachedEnd = filled.at(-1)! + segment;
    const { answers, reached } = await readLikeAPlayer(object.path, object);
    expect(reached).toBe(object.size);
    expect(answers.filter((a) => a.from < cachedEnd).every((a) => a.headers["x-cache"] === "HIT")).toBe(true);
    expect(rangesSeen(await originRequests(upstream))).toEqual(segmentStarts(cachedEnd, object.size - 1, segment).map((s) => segmentHeader(s, object.size, segment)));
  });

  it("an origin that keeps dying mid-segment: the client sees a cut, never wrong or padded bytes; the next one gets it whole", async () => {
    const object = testObject("cut-mid-segment-again", segmentBytes + 1000, 308);
    await putObject(object);
    await cold(assets, object.path);
    await resetOrigins();
    // Cut by the edge's upstream (the shield on two tiers: it would otherwise absorb the origin's
    // cuts): the segment, the rest of the client's slice, the replacement.
    const upstream = assetsUpstream();
    await cutAfter100k(object.path, 3, upstream);
    const start = 1000;
    const cut = await streamFrom(object.path, { headers: { range: `bytes=${start}-` }, expect: { fixture: object, start } });
    expect(cut.status).toBe(206);
    expect(cut.headers["content-length"]).toBe(String(answerBytes));
    expect(cut.complete).toBe(false);
    expect(cut.bytes).toBeLessThan(answerBytes);
    expect(cut.mismatchAt).toBe(-1);

    await originRequestsReach(3, 300, upstream);
    await resetOrigins();
    const whole = await streamFrom(object.path, { headers: { range: `bytes=${start}-` }, expect: { fixture: object, start } });
    expect(whole.status).toBe(206);
    expect(whole.complete && whole.mismatchAt === -1 && whole.bytes === answerBytes).toBe(true);
  });

  it("an origin that dies in the middle of a 200 larger than an answer: the client sees a cut, never wrong bytes; the next one gets it whole", async () => {
    const object = testObject("cut-whole", 2 * segmentBytes + 1000, 313);
    await withObjectEntry(object);
    // Cut at the origin on either tier: on two the shield passes the body on as it comes (it is
    // larger than an answer), so the cut reaches the POP as its upstream's, and the client.
    await cutAfter100k(object.path, 1);
    const cut = await streamFrom(object.path, { expect: { fixture: object, start: 0 } });
    expect(cut.status).toBe(200);
    expect(cut.headers["content-length"]).toBe(String(object.size));
    expect(cut.complete).toBe(false);
    expect(cut.bytes).toBeLessThan(object.size);
    expect(cut.mismatchAt).toBe(-1);
    expect(rangesSeen(await originRequests("assets"))).toEqual(["(none)"]);
    expect(rangesSeen(await ownAssetsRequests())).toEqual(["(none)"]);

    await resetOrigins();
    expectWhole(await streamFrom(object.path, { expect: { fixture: object, start: 0 } }), object.size);
    expect(rangesSeen(await originRequests("assets"))).toEqual(["(none)"]);
  });
});

describe("a segment stored while nobody read it through", () => {
  it("an origin that dies past the bytes a client asked for: the stored segment is read back, found broken and replaced", async () => {
    const object = testObject("cut-unread", 3 * segmentBytes + 1000, 305);
    await withObjectEntry(object);
    // Cut by the edge's upstream (the shield on two tiers: it would otherwise absorb the origin's
    // cut), counted there, in the edge's own segments.
    const upstream = assetsUpstream();
    const segment = popSegmentBytes();
    const wholeAtUpstream = () => wholeSegmentStarts(object.size, upstream, segment);
    await cutAfter100k(object.path, 1, upstream);
    const [start, end] = [segment, segment + 10];
    const small = await streamFrom(object.path, { headers: { range: `bytes=${start}-${end}` }, expect: { fixture: object, start } });
    expect(small.complete && small.mismatchAt === -1 && small.bytes === 11).toBe(true);

    for (let waited = 0; waited < 50 && (await wholeAtUpstream()).length < 2; waited++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    // The cut segment, then its replacement. (When the cut beats the client's own read of its
    // 11 bytes, those come from upstream by themselves: a range request of exactly them.)
    expect(await wholeAtUpstream()).toEqual([segment, segment]);
    expect(rangesSeen(await originRequests(upstream)).filter((r) => !isWholeSegment(r, object.size, segment)).every((r) => r === `bytes=${start}-${end}`)).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    await resetOrigins();
    // A player reading it all: segments 0 and 1 (the replacement) come whole from the cache,
    // only the later ones from upstream.
    const { answers, reached } = await readLikeAPlayer(object.path, object);
    expect(reached).toBe(object.size);
    expect(answers).toHaveLength(Math.ceil(object.size / answerBytes));
    expect(answers.filter((a) => a.from < 2 * segment).every((a) => a.headers["x-cache"] === "HIT")).toBe(true);
    expect(await originSegmentStarts(upstream)).toEqual(segmentStarts(2 * segment, object.size - 1, segment));
  });

  it("a client whose bytes lie past the cut gets them whole, from the origin, and the segment is replaced", async () => {
    const object = testObject("cut-before-client", 3 * segmentBytes + 1000, 306);
    await withObjectEntry(object);
    // Cut by the edge's upstream (the shield on two tiers: it would otherwise absorb the origin's cut).
    const upstream = assetsUpstream();
    const segment = popSegmentBytes();
    await cutAfter100k(object.path, 1, upstream);
    const [start, end] = [segment + 500_000, segment + 500_010];
    const small = await streamFrom(object.path, { headers: { range: `bytes=${start}-${end}` }, expect: { fixture: object, start } });
    expect(small.status).toBe(206);
    expect(small.complete && small.mismatchAt === -1 && small.bytes === 11).toBe(true);

    await originRequestsReach(3, 0, upstream);
    // The cut segment, the client's 11 bytes on their own, and the replacement segment.
    expect(rangesSeen(await originRequests(upstream)).sort()).toEqual(
      [`bytes=${segment}-${2 * segment - 1}`, `bytes=${segment}-${2 * segment - 1}`, `bytes=${start}-${end}`].sort(),
    );
    await new Promise((r) => setTimeout(r, 200));
    await resetOrigins();
    const again = await streamFrom(object.path, { headers: { range: `bytes=${start}-${end}` }, expect: { fixture: object, start } });
    expect(again.complete && again.mismatchAt === -1 && again.bytes === 11).toBe(true);
    expect(again.headers["x-cache"]).toBe("HIT");
    expect(await originRequests(upstream)).toHaveLength(0);
  });

  it("a segment whose replacement breaks too is dropped, and the next client fetches it afresh", async () => {
    const object = testObject("cut-twice", 3 * segmentBytes + 1000, 307);
    await withObjectEntry(object);
    // The segment fetch and its replacement are cut; the client's own 11 bytes (asked for on
    // their own once the stored copy fails) are shorter than the cut and arrive whole. Cut by the
    // edge's upstream (the shield on two tiers: it would otherwise absorb the origin's cuts).
    const upstream = assetsUpstream();
    const segment = popSegmentBytes();
    await cutAfter100k(object.path, 3, upstream);
    const [start, end] = [segment + 500_000, segment + 500_010];
    const small = await streamFrom(object.path, { headers: { range: `bytes=${start}-${end}` }, expect: { fixture: object, start } });
    expect(small.complete && small.mismatchAt === -1 && small.bytes === 11).toBe(true);
    await originRequestsReach(3, 300, upstream);

    await resetOrigins();
    const again = await streamFrom(object.path, { headers: { range: `bytes=${start}-${end}` }, expect: { fixture: object, start } });
    expect(again.status).toBe(206);
    expect(again.complete && again.mismatchAt === -1 && again.bytes === 11).toBe(true);
    expect(ownXCache(again)).toBe("MISS");
    expect(await wholeSegmentStarts(object.size, upstream, segment)).toEqual([segment]);
  });
});

describe("a new version at the origin", () => {
  it("segments of the old and the new version are never mixed", async () => {
    const size = 2 * segmentBytes + 1000;
    const v1 = testObject("version-change", size, 401);
    const v2 = { ...v1, body: { seed: 402 } };
    await putObject(v1);
    await cold(assets, v1.path);
    const old = await fetchWhole(v1.path, { headers: { range: "bytes=10-19" } });
    expect(old.body).toEqual(Buffer.from(generatedBytes(401, 10, 20)));
    const oldTag = String(old.headers.etag);

    await putObject(v2);
    await resetOrigins();
    // Cold segments of the object: the origin's answer names the new version, so the edge
    // learns it and serves the new version throughout, with its ETag (a range longer than an
    // answer: an answer's worth from where it starts).
    const [start, end] = [segmentRange(1, size, segmentBytes).start + 10, size - 10];
    const held = boundedEnd(start, end);
    const fresh = await streamFrom(v1.path, { headers: { range: `bytes=${start}-${end}` }, expect: { fixture: v2, start } });
    expect(fresh.status).toBe(206);
    expect(fresh.headers["content-range"]).toBe(`bytes ${start}-${held}/${size}`);
    expect(fresh.headers.etag).not.toBe(oldTag);
    expect(fresh.complete && fresh.mismatchAt === -1 && fresh.bytes === answerBytes).toBe(true);
    // Segment 1 under the old version's key (answered with the new ETag), then the segments of
    // the answer under the new version's.
    expect(await originSegmentStarts()).toEqual([segmentBytes, ...segmentStarts(start, held)]);
    // The segment cached for the old version is not used for the new one.
    const first = await fetchWhole(v1.path, { headers: { range: "bytes=10-19" } });
    expect(first.headers.etag).toBe(fresh.headers.etag);
    expect(first.body).toEqual(Buffer.from(generatedBytes(402, 10, 20)));
    // A player reading it all gets the new version throughout, under one ETag.
    const { answers, reached } = await readLikeAPlayer(v1.path, v2);
    expect(reached).toBe(size);
    expect(answers.every((a) => a.headers.etag === fresh.headers.etag)).toBe(true);
    expectWhole(await streamFrom(v1.path, { expect: { fixture: v2, start: 0 } }), size);
  });
});

describe("purge", () => {
  /**
   * PURGEs `path` at every instance, as production's key purge reaches every POP and the shield
   * (under Viceroy each instance's cache is its own); true when each of them said 200.
   */
  const purge = async (path: string, soft = false) => {
    const answers = await sendToEveryInstance(path, {
      method: "PURGE",
      host: assets,
      headers: { "purge-token": edge().purgeToken, ...(soft ? { "fastly-soft-purge": "1" } : {}) },
    });
    expect(answers).toHaveLength(twoTiers() ? 3 : 1);
    return answers.every((a) => a.status === 200);
  };

  /** Reads `object` through like a player (open ranges); expects every byte, one answer per 2 MiB. */
  async function readThrough(object: GeneratedFixture) {
    const { answers, reached } = await readLikeAPlayer(object.path, object);
    expect(reached).toBe(object.size);
    expect(answers).toHaveLength(Math.ceil(object.size / answerBytes));
    return answers;
  }

  it("a PURGE of the URL (any query) evicts the object and every segment of it", async () => {
    const object = testObject("purge-hard", 2 * segmentBytes + 1000, 303);
    await putObject(object);
    await cold(assets, object.path);
    await resetOrigins();
    await readThrough(object);
    expect(await originSegmentStarts()).toEqual(segmentStarts(0, object.size - 1));
    await resetOrigins();
    expect((await readThrough(object)).every((a) => a.headers["x-cache"] === "HIT")).toBe(true);
    expect(await originRequests("assets")).toEqual([]);

    expect(await purge(`${object.path}?utm_source=app`)).toBe(true);
    await resetOrigins();
    const again = await readThrough(object);
    // The first answer in each of the edge's segments found it gone; on two tiers so did the
    // shield, for the first answer in each of its own.
    for (const a of again.filter((a) => a.from % popSegmentBytes() === 0)) expect(ownXCache(a)).toBe("MISS");
    if (twoTiers()) for (const a of again.filter((a) => a.from % segmentBytes === 0)) expect(shieldXCache(a)).toBe("MISS");
    expect(ownCacheStatus(again[0]!)).toContain("fwd=uri-miss");
    expectShieldEntry(again[0]!, /fwd=uri-miss/);
    expect(await originSegmentStarts()).toEqual(segmentStarts(0, object.size - 1));
  });

  it("a soft purge: served stale at once, revalidated with If-None-Match in the background, no segment fetched again", async () => {
    const object = testObject("purge-soft", 2 * segmentBytes + 1000, 304);
    await putObject(object);
    await cold(assets, object.path);
    const warm = await readThrough(object);
    const etag = String(warm[0]!.headers.etag);
    expect(await purge(object.path, true)).toBe(true);
    await resetOrigins();

    const stale = await streamFrom(object.path, { headers: { range: `bytes=${segmentBytes}-` }, expect: { fixture: object, start: segmentBytes } });
    expect(stale.status).toBe(206);
    expect(stale.complete && stale.mismatchAt === -1 && stale.bytes === answerBytes).toBe(true);
    expect(stale.headers["cache-status"]).toMatch(/; hit;.*stale/);
    for (let waited = 0; waited < 50 && (await originRequests("assets")).length === 0; waited++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    // The object entry's revalidation: from the edge (on two tiers to the shield, with the POP's
    // first segment) and, on two tiers, from the shield, whose copy was soft-purged too, to the origin.
    const revalidations = async (origin: string) => (await originRequests(origin)).map((r) => [r.headers.range, r.headers["if-none-match"]]);
    expect(await revalidations(assetsUpstream())).toEqual([[`bytes=0-${popSegmentBytes() - 1}`, etag]]);
    expect(await revalidations("assets")).toEqual([[`bytes=0-${segmentBytes - 1}`, etag]]);

    await new Promise((r) => setTimeout(r, 200));
    await resetOrigins();
    for (const fresh of await readThrough(object)) {
      expect(fresh.headers["cache-status"]).toMatch(/^changelog-edge; hit;/);
      expect(fresh.headers["cache-status"]).not.toContain("stale");
    }
    expect(await originRequests("assets")).toEqual([]);
  });
});
