// The assets engine (src/engine/assets.ts, the segmented store of src/engine/asset-store.ts) in
// Node: the code that runs on Core Cache, against the in-memory store (src/cache/memory-store.ts)
// with a clock the test moves, and a fake R2 public bucket on the request context in place of
// the backend fetch (./support/asset-origin.ts). What test/e2e/mp3-*.test.ts show under Viceroy
// in seconds, this shows in milliseconds, with every origin request counted per client request
// and every body byte compared with the origin's. Typechecked with the Compute types, as the
// engine is (tsconfig.edge-tests.json).

import { afterEach, describe, expect, it } from "vitest";
import { serveAsset } from "../../../src/engine/assets.js";
import { storeKeys } from "../../../src/cache/segments.js";
import { decodeMetadata } from "../../../src/cache/asset-object.js";
import { AssetEdge, MiB, assetsHost, type Answer } from "./support/context.js";
import { textObject, type OriginRequest } from "./support/asset-origin.js";

const segment = 2 * MiB;
const answerBytes = 1 * MiB;

let edge: AssetEdge;

function newEdge(): AssetEdge {
  edge = new AssetEdge();
  return edge;
}

afterEach(async () => {
  try {
    // Every client request of every test stays within Compute's 32 backend requests.
    edge.expectWithinBudget();
    await edge.expectHandlesClosed();
  } finally {
    edge.dispose();
  }
});

/** Byte-exact comparison that reports the first difference instead of dumping megabytes. */
function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  let differs = -1;
  const shorter = Math.min(actual.length, expected.length);
  for (let i = 0; i < shorter; i++) {
    if (actual[i] !== expected[i]) {
      differs = i;
      break;
    }
  }
  expect({ length: actual.length, firstDifference: differs }).toEqual({ length: expected.length, firstDifference: -1 });
}

/** Bytes start..end (inclusive) of the object's current version at the origin. */
function originBytes(path: string, start: number, end: number): Uint8Array {
  return edge.origin.bytes(path, start, end + 1);
}

function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Expects `answer` to be the multipart/byteranges of `parts` of the object at `path`, every byte exact. */
function expectMultipart(answer: Answer, path: string, size: number, parts: readonly (readonly [number, number])[]): void {
  expect(answer.status).toBe(206);
  expect(answer.error).toBeNull();
  const boundary = /^multipart\/byteranges; boundary=(.+)$/.exec(answer.headers.get("content-type") ?? "")?.[1];
  expect(boundary).toBeTruthy();
  const expected = concat([
    ...parts.flatMap(([a, b], i) => [
      latin1(`${i === 0 ? "" : "\r\n"}--${boundary}\r\nContent-Type: audio/mpeg\r\nContent-Range: bytes ${a}-${b}/${size}\r\n\r\n`),
      originBytes(path, a, b),
    ]),
    latin1(`\r\n--${boundary}--\r\n`),
  ]);
  expectBytes(answer.body, expected);
  expect(answer.headers.get("content-length")).toBe(String(expected.length));
}

const range = (start: number, end?: number) => ({ headers: { range: `bytes=${start}-${end ?? ""}` } });
const segmentRange = (index: number, size: number) => `bytes=${index * segment}-${Math.min(size, (index + 1) * segment) - 1}`;
const unknownSegmentRange = (index: number) => `bytes=${index * segment}-${(index + 1) * segment - 1}`;
const hasAnswerShaping = (r: OriginRequest) =>
  ["if-none-match", "if-modified-since", "if-match", "if-unmodified-since", "if-range"].some((name) => r.headers.has(name));

function mp3(path: string, size: number, extra: { cacheControl?: string; validators?: "both" | "etag" | "last-modified" | "none"; surrogateKey?: string } = {}) {
  edge.origin.put(path, { size, contentType: "audio/mpeg", ...extra });
  return path;
}

/** A known object: its entry and segment 0 in the store (a HEAD learns both), no other segment. */
async function known(path: string, size: number): Promise<void> {
  mp3(path, size);
  const head = await edge.request(path, { method: "HEAD" });
  expect(head.status).toBe(200);
  await edge.settle();
}

/** A new edge, and a first GET of a small stylesheet there, settled. */
async function coldStylesheet(): Promise<{ css: string; path: string; cold: Answer }> {
  newEdge();
  const css = "body { font-family: system-ui; color: #222; }\n";
  const path = "/static/css/app.css";
  edge.origin.put(path, textObject(css, "text/css"));
  const cold = await edge.request(path);
  await edge.settle();
  return { css, path, cold };
}

function expectEdgeHeaders(answer: Answer, path: string, contentLength: number): void {
  const object = edge.origin.object(path);
  expect(answer.headers.get("content-length")).toBe(String(contentLength));
  expect(answer.headers.get("content-type")).toBe(object.spec.contentType);
  expect(answer.headers.get("etag")).toBe(object.etag);
  expect(answer.headers.get("last-modified")).toBe(object.lastModified);
  expect(answer.headers.get("accept-ranges")).toBe("bytes");
}

describe("whole objects", () => {
  it("a cold GET of an object larger than an answer: the origin's whole 200 in one request, which teaches the store the object", async () => {
    newEdge();
    const path = mp3("/uploads/jsparty/300/js-party-300.mp3", 5 * MiB + 13);
    const cold = await edge.request(path);
    expect(cold.status).toBe(200);
    expectEdgeHeaders(cold, path, 5 * MiB + 13);
    expectBytes(cold.body, originBytes(path, 0, 5 * MiB + 12));
    expect(cold.cache).toMatchObject({ state: "miss", fwd: "uri-miss", stored: true, note: "whole-from-origin" });
    expect(cold.served.hostBody).toBe(true);
    await edge.settle();
    expect(cold.originRequests()).toBe(1);
    const [learn] = edge.origin.of(cold.execution.index);
    expect(learn).toMatchObject({ method: "GET", range: null, pass: false });
    expect(hasAnswerShaping(learn!)).toBe(false);
    // Nothing is known of what the readthrough cache may keep yet: it is passed (learnWhole).
    expect(learn!.readthrough).toBeUndefined();

    // Known now: the next whole GET is the origin's body through the readthrough HTTP cache,
    // kept there with the object's own times and every surrogate key.
    const known = await edge.request(path, { headers: { "if-range": "\"other\"", range: "bytes=0-99" } });
    expect(known.status).toBe(200);
    expectBytes(known.body, originBytes(path, 0, 5 * MiB + 12));
    expect(known.cache).toMatchObject({ state: "pass", note: "larger-than-an-answer http-cache" });
    expect(known.originRequests()).toBe(1);
    const [whole] = edge.origin.of(known.execution.index);
    const urlKey = edge.decisionFor(path).cache.surrogateKey;
    expect(whole!.readthrough).toEqual({ ttl: 240, swr: 60, surrogateKeys: [urlKey] });
    expect(whole!.range).toBeNull();
    expect(hasAnswerShaping(whole!)).toBe(false);

    // The object entry is there, its segments not yet: a range fetches only its segment.
    const ranged = await edge.request(path, range(3 * MiB, 3 * MiB + 99));
    expect(ranged.status).toBe(206);
    expectBytes(ranged.body, originBytes(path, 3 * MiB, 3 * MiB + 99));
    expect(ranged.cache).toMatchObject({ state: "miss", fwd: "miss", note: "segments=0/1" });
    expect(edge.origin.of(ranged.execution.index).map((r) => r.range)).toEqual([segmentRange(1, 5 * MiB + 13)]);
  });

  it("a cold small asset: one origin request, stored as its one segment; then hits, whole or ranged", async () => {
    const { css, path, cold } = await coldStylesheet();
    expect(cold.status).toBe(200);
    expect(new TextDecoder().decode(cold.body)).toBe(css);
    expectEdgeHeaders(cold, path, css.length);
    expect(cold.cache).toMatchObject({ state: "miss", fwd: "uri-miss", stored: true });
    expect(cold.originRequests()).toBe(1);
    expect(edge.origin.requests[0]!.readthrough).toBeUndefined();

    const hit = await edge.request(path);
    expect(hit.status).toBe(200);
    expect(new TextDecoder().decode(hit.body)).toBe(css);
    expect(hit.cache).toMatchObject({ state: "hit", note: "segments=1/1" });
    expect(hit.cache.stored).toBe(false);
    expect(hit.originRequests()).toBe(0);

    const ranged = await edge.request(path, range(5, 9));
    expect(ranged.status).toBe(206);
    expect(new TextDecoder().decode(ranged.body)).toBe(css.slice(5, 10));
    expect(ranged.headers.get("content-range")).toBe(`bytes 5-9/${css.length}`);
    expect(ranged.cache.state).toBe("hit");
    expect(ranged.originRequests()).toBe(0);
  });

  it("an object of exactly an answer's size is stored from its cold GET; one byte more is not", async () => {
    newEdge();
    const fits = mp3("/uploads/podcast/600/the-changelog-600.mp3", answerBytes);
    const over = mp3("/uploads/podcast/601/the-changelog-601.mp3", answerBytes + 1);
    for (const path of [fits, over]) {
      const cold = await edge.request(path);
      expect(cold.status).toBe(200);
      expectBytes(cold.body, originBytes(path, 0, edge.origin.object(path).spec.size - 1));
    }
    await edge.settle();
    const again = [await edge.request(fits), await edge.request(over)];
    expectBytes(again[0]!.body, originBytes(fits, 0, answerBytes - 1));
    expect(again[0]!.cache.state).toBe("hit");
    expect(again[0]!.originRequests()).toBe(0);
    expectBytes(again[1]!.body, originBytes(over, 0, answerBytes));
    expect(again[1]!.cache).toMatchObject({ state: "pass", note: "larger-than-an-answer http-cache" });
    expect(again[1]!.originRequests()).toBe(1);
  });

  it("an empty object: 200 with Content-Length 0 and no body", async () => {
    newEdge();
    const path = "/static/empty.txt";
    edge.origin.put(path, textObject("", "text/plain"));
    const cold = await edge.request(path);
    await edge.settle();
    expect(cold.status).toBe(200);
    expect(cold.headers.get("content-length")).toBe("0");
    expect(cold.body.length).toBe(0);
    const again = await edge.request(path);
    expect(again.status).toBe(200);
    expect(again.headers.get("content-length")).toBe("0");
    expect(again.originRequests()).toBe(0);
  });
});

/** Every store lookup (transactional or not) made since `since`, by key. */
function accessesSince(since: Map<string, number>): Map<string, number> {
  const now = new Map<string, number>();
  for (const counts of [edge.store.lookups, edge.store.peeks]) {
    for (const [key, n] of counts) now.set(key, (now.get(key) ?? 0) + n);
  }
  for (const [key, n] of since) {
    const left = (now.get(key) ?? 0) - n;
    if (left === 0) now.delete(key);
    else now.set(key, left);
  }
  return now;
}

function accessesNow(): Map<string, number> {
  return accessesSince(new Map());
}

/** What the object entry of `path` holds now (read without counting as a client's lookup). */
function objectEntry(path: string) {
  const key = storeKeys.object(edge.decisionFor(path).cache.key);
  const entry = edge.store.lookup(key);
  edge.store.peeks.set(key, edge.store.peeks.get(key)! - 1);
  if (!entry) return null;
  try {
    return { stored: decodeMetadata(entry.userMetadata()), length: entry.length() };
  } finally {
    entry.close();
  }
}

const segmentKeys = (accesses: Map<string, number>) => [...accesses.keys()].filter((key) => key.startsWith("asset-segment"));

describe("objects of one segment: their bytes in the object entry, as a page's are", () => {
  it("a cold small asset is one entry, headers and bytes; a hit, whole or ranged, is one lookup of it", async () => {
    const { css, path, cold } = await coldStylesheet();
    expect(new TextDecoder().decode(cold.body)).toBe(css);
    expect(segmentKeys(accessesNow())).toEqual([]);
    expect(objectEntry(path)).toMatchObject({ stored: { kind: "object", bytesInEntry: true, size: css.length }, length: css.length });

    for (const request of [{}, range(5, 9), { method: "HEAD" }, { headers: { "if-none-match": edge.origin.object(path).etag! } }]) {
      const before = accessesNow();
      const hit = await edge.request(path, request);
      await edge.settle();
      expect(hit.cache.state).toBe("hit");
      expect(hit.originRequests()).toBe(0);
      expect([...accessesSince(before)]).toEqual([[storeKeys.object(edge.decisionFor(path).cache.key), 1]]);
    }
  });

  it("several ranges of it, cold and cached: a multipart/byteranges, every part read from the one entry (a handle per part)", async () => {
    newEdge();
    const size = 300_000;
    const path = mp3("/uploads/brainscience/1/brain-science-1.mp3", size);
    const parts = [
      [0, 99],
      [150_000, 150_499],
      [size - 10, size - 1],
    ] as const;
    const expectParts = (multi: Answer) => expectMultipart(multi, path, size, parts);
    const ranges = { headers: { range: `bytes=${parts.map(([a, b]) => `${a}-${b}`).join(",")}` } };
    const cold = await edge.request(path, ranges);
    await edge.settle();
    expectParts(cold);
    expect(cold.cache).toMatchObject({ state: "miss", fwd: "uri-miss", note: "segments=0/1" });
    expect(edge.origin.of(cold.execution.index).map((r) => r.range)).toEqual([unknownSegmentRange(0)]);

    const before = accessesNow();
    const multi = await edge.request(path, ranges);
    await edge.settle();
    expectParts(multi);
    expect(multi.cache).toMatchObject({ state: "hit", note: "segments=1/1" });
    expect(multi.originRequests()).toBe(0);
    expect(segmentKeys(accessesSince(before))).toEqual([]);
    expect(objectEntry(path)).toMatchObject({ stored: { bytesInEntry: true }, length: size });
  });

  it("a cold range or HEAD of a small object brings the whole of it into the entry; the next clients read it", async () => {
    newEdge();
    const size = 1_500_000;
    const ranged = mp3("/uploads/gotime/1/go-time-1.mp3", size);
    const headed = mp3("/uploads/gotime/2/go-time-2.mp3", size);
    const first = await edge.request(ranged, range(1000, 1999));
    const head = await edge.request(headed, { method: "HEAD" });
    await edge.settle();
    expectBytes(first.body, originBytes(ranged, 1000, 1999));
    expect(head.headers.get("content-length")).toBe(String(size));
    for (const path of [ranged, headed]) {
      expect(edge.origin.of(path === ranged ? first.execution.index : head.execution.index).map((r) => r.range)).toEqual([unknownSegmentRange(0)]);
      expect(objectEntry(path)).toMatchObject({ stored: { bytesInEntry: true }, length: size });
      const later = await edge.request(path, range(size - answerBytes, size - 1));
      expectBytes(later.body, originBytes(path, size - answerBytes, size - 1));
      expect(later.cache).toMatchObject({ state: "hit", note: "segments=1/1" });
      expect(later.originRequests()).toBe(0);
    }
  });

  it("its insert cut off while the client read only part: the client gets every byte; the entry keeps its metadata without the bytes, and the next client fetches them as a segment", async () => {
    newEdge();
    const size = 800_000;
    const path = mp3("/uploads/afk/1/afk-1.mp3", size);
    edge.origin.fail({ kind: "cut", afterBytes: 100_000 }, { when: (r) => r.range === unknownSegmentRange(0) });
    const first = await edge.request(path, range(0, 999));
    await edge.settle();
    expect(first.error).toBeNull();
    expectBytes(first.body, originBytes(path, 0, 999));
    const entry = objectEntry(path);
    expect(entry?.stored).toMatchObject({ kind: "object", size });
    expect(entry?.stored).not.toHaveProperty("bytesInEntry");
    expect(entry?.length).toBe(0);

    const next = await edge.request(path, range(700_000, 700_999));
    await edge.settle();
    expect(next.error).toBeNull();
    expectBytes(next.body, originBytes(path, 700_000, 700_999));
    expect(edge.origin.of(next.execution.index).map((r) => r.range)).toEqual([segmentRange(0, size)]);
    const hit = await edge.request(path);
    expectBytes(hit.body, originBytes(path, 0, size - 1));
    expect(hit.cache).toMatchObject({ state: "hit", note: "segments=1/1" });
    expect(hit.originRequests()).toBe(0);

    // Nobody reads a HEAD's insert: it is read back in the background, and found cut the same way.
    const headed = mp3("/uploads/afk/2/afk-2.mp3", size);
    edge.origin.fail({ kind: "cut", afterBytes: 100_000 }, { when: (r) => r.path === headed && r.range === unknownSegmentRange(0) });
    const head = await edge.request(headed, { method: "HEAD" });
    await edge.settle();
    expect(head.headers.get("content-length")).toBe(String(size));
    expect(objectEntry(headed)).toMatchObject({ stored: { kind: "object", size }, length: 0 });
    expect(objectEntry(headed)?.stored).not.toHaveProperty("bytesInEntry");
    const read = await edge.request(headed);
    expect(read.error).toBeNull();
    expectBytes(read.body, originBytes(headed, 0, size - 1));
  });

  it("revalidated (a 304) it keeps its bytes; a new version found in the background replaces headers and bytes together; stale-if-error serves them", async () => {
    newEdge();
    const path = mp3("/uploads/news/1/changelog-news-1.mp3", 200_000);
    await edge.request(path);
    await edge.settle();

    edge.advance(250); // past fresh, within stale-while-revalidate
    const stale = await edge.request(path, range(0, 99));
    await edge.settle();
    expectBytes(stale.body, originBytes(path, 0, 99));
    expect(stale.cache.state).toBe("stale");
    expect(edge.origin.of(stale.execution.index).map((r) => r.headers.get("if-none-match"))).toEqual([edge.origin.object(path).etag]);
    expect(objectEntry(path)).toMatchObject({ stored: { bytesInEntry: true }, length: 200_000 });
    const fresh = await edge.request(path);
    expect(fresh.cache.state).toBe("hit");
    expectBytes(fresh.body, originBytes(path, 0, 199_999));

    edge.origin.put(path, { size: 200_000, contentType: "audio/mpeg" });
    edge.advance(250);
    await edge.request(path, range(0, 99));
    await edge.settle();
    const renewed = await edge.request(path);
    expect(renewed.cache.state).toBe("hit");
    expect(renewed.headers.get("etag")).toBe(edge.origin.object(path).etag);
    expectBytes(renewed.body, originBytes(path, 0, 199_999));

    edge.advance(400); // past stale-while-revalidate: revalidated first, and the origin fails
    edge.origin.fail({ kind: "refuse" }, { times: 2 });
    const failing = await edge.request(path, range(10, 19));
    await edge.settle();
    expect(failing.status).toBe(206);
    expect(failing.cache).toMatchObject({ state: "stale", note: "stale-if-error segments=1/1" });
    expectBytes(failing.body, originBytes(path, 10, 19));
  });
});

describe("ranges", () => {
  it("a cold range: one origin request for its segment, cut at the segment size, none of the client's headers that shape it; the same range again is a hit", async () => {
    newEdge();
    const size = 5 * MiB + 5;
    const path = mp3("/uploads/shipit/90/ship-it-90.mp3", size);
    const cold = await edge.request(path, { headers: { range: "bytes=100-199", "if-none-match": '"other"', "if-range": '"nope"' } });
    await edge.settle();
    // If-Range does not hold for the current version: the whole object, from the origin.
    expect(cold.status).toBe(200);
    expect(cold.body.length).toBe(size);

    const path2 = mp3("/uploads/shipit/91/ship-it-91.mp3", size);
    const first = await edge.request(path2, { headers: { range: "bytes=100-199", "if-none-match": '"other"' } });
    await edge.settle();
    expect(first.status).toBe(206);
    expect(first.headers.get("content-range")).toBe(`bytes 100-199/${size}`);
    expectEdgeHeaders(first, path2, 100);
    expectBytes(first.body, originBytes(path2, 100, 199));
    expect(first.cache).toMatchObject({ state: "miss", fwd: "uri-miss", stored: true, ttl: 240 });
    const asked = edge.origin.of(first.execution.index);
    expect(asked.map((r) => [r.method, r.range, r.pass])).toEqual([["GET", unknownSegmentRange(0), false]]);
    expect(hasAnswerShaping(asked[0]!)).toBe(false);

    const second = await edge.request(path2, range(100, 199));
    expect(second.status).toBe(206);
    expectBytes(second.body, originBytes(path2, 100, 199));
    expect(second.cache).toMatchObject({ state: "hit", note: "segments=1/1" });
    expect(second.originRequests()).toBe(0);
  });

  it("a range across a segment boundary: only the missing segment is fetched, fwd=partial", async () => {
    newEdge();
    const size = 6 * MiB + 21;
    const path = "/uploads/spotlight/5/spotlight-5.mp3";
    await known(path, size);
    const across = await edge.request(path, range(segment - 1000, segment + 999));
    await edge.settle();
    expect(across.status).toBe(206);
    expectBytes(across.body, originBytes(path, segment - 1000, segment + 999));
    expect(across.cache).toMatchObject({ state: "miss", fwd: "partial", note: "segments=1/2" });
    expect(edge.origin.of(across.execution.index).map((r) => r.range)).toEqual([segmentRange(1, size)]);

    const again = await edge.request(path, range(segment - 1000, segment + 999));
    expect(again.cache).toMatchObject({ state: "hit", note: "segments=2/2" });
    expect(again.originRequests()).toBe(0);
  });

  it("a range longer than an answer is answered with its first 1 MiB, the 206 saying so", async () => {
    newEdge();
    const size = 5 * MiB + 5;
    const path = "/uploads/afk/20/afk-20.mp3";
    await known(path, size);
    const long = await edge.request(path, range(1000, 3_000_000));
    await edge.settle();
    expect(long.status).toBe(206);
    expect(long.headers.get("content-range")).toBe(`bytes 1000-${1000 + answerBytes - 1}/${size}`);
    expect(long.headers.get("content-length")).toBe(String(answerBytes));
    expectBytes(long.body, originBytes(path, 1000, 1000 + answerBytes - 1));
    expect(long.cache.note).toContain("range-bounded");
    expect(long.originRequests()).toBe(0);
  });

  it("bytes=0- on a cold object: a 206 of the first 1 MiB, one origin request", async () => {
    newEdge();
    const size = 30 * MiB + 13;
    const path = mp3("/uploads/jsparty/301/js-party-301.mp3", size);
    const open = await edge.request(path, range(0));
    await edge.settle();
    expect(open.status).toBe(206);
    expect(open.headers.get("content-range")).toBe(`bytes 0-${answerBytes - 1}/${size}`);
    expect(open.headers.get("content-length")).toBe(String(answerBytes));
    expectBytes(open.body, originBytes(path, 0, answerBytes - 1));
    expect(open.originRequests()).toBe(1);
  });

  it("suffix ranges: the last bytes (the object is learnt from segment 0 first), and a long suffix bounded from where it starts", async () => {
    newEdge();
    const size = 5 * MiB + 11;
    const path = mp3("/uploads/founderstalk/40/founders-talk-40.mp3", size);
    const last = await edge.request(path, { headers: { range: "bytes=-17" } });
    await edge.settle();
    expect(last.status).toBe(206);
    expect(last.headers.get("content-range")).toBe(`bytes ${size - 17}-${size - 1}/${size}`);
    expectBytes(last.body, originBytes(path, size - 17, size - 1));
    expect(edge.origin.of(last.execution.index).map((r) => r.range)).toEqual([unknownSegmentRange(0), segmentRange(2, size)]);

    const long = await edge.request(path, { headers: { range: "bytes=-3000000" } });
    await edge.settle();
    const start = size - 3_000_000;
    expect(long.status).toBe(206);
    expect(long.headers.get("content-range")).toBe(`bytes ${start}-${start + answerBytes - 1}/${size}`);
    expectBytes(long.body, originBytes(path, start, start + answerBytes - 1));
    expect(edge.origin.of(long.execution.index).map((r) => r.range)).toEqual([segmentRange(1, size)]);
  });

  it("several ranges: a multipart/byteranges whose every part is exact", async () => {
    newEdge();
    const size = 5 * MiB + 5;
    const path = "/uploads/rfc/10/rfc-10.mp3";
    await known(path, size);
    const parts = [
      [0, 99],
      [3 * MiB, 3 * MiB + 499],
      [size - 10, size - 1],
    ] as const;
    const multi = await edge.request(path, { headers: { range: `bytes=${parts.map(([a, b]) => `${a}-${b}`).join(",")}` } });
    await edge.settle();
    expectMultipart(multi, path, size, parts);
    // Segment 0 was known; segments 1 and 2 are fetched, one request each.
    expect(edge.origin.of(multi.execution.index).map((r) => r.range).sort()).toEqual([segmentRange(1, size), segmentRange(2, size)].sort());
  });

  it("several ranges longer than an answer together: ignored, the whole object from the origin", async () => {
    newEdge();
    const size = 5 * MiB + 5;
    const path = "/uploads/rfc/11/rfc-11.mp3";
    await known(path, size);
    const multi = await edge.request(path, { headers: { range: "bytes=0-700000,3000000-3700000" } });
    expect(multi.status).toBe(200);
    expectBytes(multi.body, originBytes(path, 0, size - 1));
    const [asked] = edge.origin.of(multi.execution.index);
    expect(asked!.range).toBeNull();
    expect(asked!.readthrough).toBeDefined();
  });

  it("a range past the end: 416 with the size, learnt with one request and answered from the store after", async () => {
    newEdge();
    const size = 5 * MiB + 5;
    const path = mp3("/uploads/brainscience/30/brain-science-30.mp3", size);
    const past = await edge.request(path, range(99_999_999));
    await edge.settle();
    expect(past.status).toBe(416);
    expect(past.headers.get("content-range")).toBe(`bytes */${size}`);
    expect(past.originRequests()).toBe(1);
    const again = await edge.request(path, range(size));
    expect(again.status).toBe(416);
    expect(again.headers.get("content-range")).toBe(`bytes */${size}`);
    expect(again.originRequests()).toBe(0);
    const inside = await edge.request(path, range(size - 5));
    expect(inside.status).toBe(206);
    expectBytes(inside.body, originBytes(path, size - 5, size - 1));
  });

  it("a seek deep into a cold 130 MB object: the segment it starts in, one origin request", async () => {
    newEdge();
    const size = 130 * MiB + 17;
    const path = mp3("/uploads/gotime/250/go-time-250.mp3", size);
    const start = 100 * MiB + 12345;
    const seek = await edge.request(path, range(start, start + 65_535));
    await edge.settle();
    expect(seek.status).toBe(206);
    expect(seek.headers.get("content-range")).toBe(`bytes ${start}-${start + 65_535}/${size}`);
    expectBytes(seek.body, originBytes(path, start, start + 65_535));
    expect(edge.origin.of(seek.execution.index).map((r) => r.range)).toEqual([unknownSegmentRange(50)]);
    const tail = await edge.request(path, { headers: { range: "bytes=-100" } });
    await edge.settle();
    expectBytes(tail.body, originBytes(path, size - 100, size - 1));
    // The last 100 bytes straddle the last segment (17 bytes) and the one before it.
    expect(edge.origin.of(tail.execution.index).map((r) => r.range)).toEqual([segmentRange(64, size), segmentRange(65, size)]);
  });

  it("a player reading a cold object through with open ranges: every byte, each segment fetched once", async () => {
    newEdge();
    const size = 10 * MiB + 3;
    const path = mp3("/uploads/friends/50/changelog--friends-50.mp3", size);
    const received: Uint8Array[] = [];
    let at = 0;
    while (at < size) {
      const part = await edge.request(path, range(at));
      expect(part.status).toBe(206);
      const end = Math.min(size, at + answerBytes) - 1;
      expect(part.headers.get("content-range")).toBe(`bytes ${at}-${end}/${size}`);
      received.push(part.body);
      at += part.body.length;
      await edge.settle();
    }
    expectBytes(concat(received), originBytes(path, 0, size - 1));
    const ranges = edge.origin.requests.map((r) => r.range);
    expect(ranges).toEqual([unknownSegmentRange(0), ...[1, 2, 3, 4, 5].map((i) => segmentRange(i, size))]);
  });

  it("a client that hangs up mid-body: the segment is still stored whole, and the next client reads it from the store", async () => {
    newEdge();
    const size = 5 * MiB + 5;
    const path = mp3("/uploads/shipit/92/ship-it-92.mp3", size);
    const gone = await edge.request(path, range(1000, 1000 + answerBytes - 1), { hangUpAfter: 1000 });
    expect(gone.status).toBe(206);
    expectBytes(gone.body, originBytes(path, 1000, 1999));
    await edge.settle();
    const next = await edge.request(path, range(0, answerBytes - 1));
    expectBytes(next.body, originBytes(path, 0, answerBytes - 1));
    expect(next.cache.state).toBe("hit");
    expect(next.originRequests()).toBe(0);
  });
});

describe("HEAD", () => {
  it("on a cold object: the whole Content-Length, no body, one request that stores segment 0; Range ignored", async () => {
    newEdge();
    const size = 5 * MiB + 5;
    const path = mp3("/uploads/shipit/93/ship-it-93.mp3", size);
    const head = await edge.request(path, { method: "HEAD", headers: { range: "bytes=0-99" } });
    await edge.settle();
    expect(head.status).toBe(200);
    expectEdgeHeaders(head, path, size);
    expect(head.headers.has("content-range")).toBe(false);
    expect(head.served.response.body).toBeNull();
    expect(edge.origin.of(head.execution.index).map((r) => [r.method, r.range])).toEqual([["GET", unknownSegmentRange(0)]]);

    const again = await edge.request(path, { method: "HEAD" });
    expect(again.status).toBe(200);
    expect(again.headers.get("content-length")).toBe(String(size));
    expect(again.served.response.body).toBeNull();
    expect(again.originRequests()).toBe(0);
    const get = await edge.request(path, range(0, 99));
    expectBytes(get.body, originBytes(path, 0, 99));
    expect(get.cache.state).toBe("hit");
    expect(get.originRequests()).toBe(0);
  });
});

describe("client preconditions", () => {
  it("If-None-Match (weak comparison) and If-Modified-Since: 304 with the validators, no body, from the store", async () => {
    newEdge();
    const path = "/uploads/afk/21/afk-21.mp3";
    await known(path, 3 * MiB + 1);
    const object = edge.origin.object(path);
    const conditionals: Record<string, string>[] = [{ "if-none-match": `W/${object.etag}` }, { "if-none-match": `"x", ${object.etag}` }, { "if-modified-since": object.lastModified! }];
    for (const headers of conditionals) {
      for (const method of ["GET", "HEAD"]) {
        const answer = await edge.request(path, { method, headers: { ...headers, range: "bytes=0-99" } });
        expect(answer.status, JSON.stringify(headers)).toBe(304);
        expect(answer.headers.get("etag")).toBe(object.etag);
        expect(answer.headers.get("last-modified")).toBe(object.lastModified);
        expect(answer.headers.has("content-length")).toBe(false);
        expect(answer.body.length).toBe(0);
        expect(answer.originRequests()).toBe(0);
      }
    }
    const other = await edge.request(path, { headers: { "if-none-match": '"other"', range: "bytes=0-99" } });
    expect(other.status).toBe(206);
    expectBytes(other.body, originBytes(path, 0, 99));
  });

  it("If-Range: the current ETag gives the range, another the whole object (200, Range ignored)", async () => {
    newEdge();
    const path = "/uploads/news/1/changelog-news-1.mp3";
    mp3(path, 200_003);
    await edge.request(path);
    await edge.settle();
    const etag = edge.origin.object(path).etag!;
    const holds = await edge.request(path, { headers: { range: "bytes=10-19", "if-range": etag } });
    expect(holds.status).toBe(206);
    expectBytes(holds.body, originBytes(path, 10, 19));
    const fails = await edge.request(path, { headers: { range: "bytes=10-19", "if-range": '"old"' } });
    expect(fails.status).toBe(200);
    expect(fails.headers.get("content-length")).toBe("200003");
    expectBytes(fails.body, originBytes(path, 0, 200_002));
    expect(fails.cache).toMatchObject({ state: "hit", note: "range-ignored=if-range segments=1/1" });
    expect(fails.originRequests()).toBe(0);
  });

  it("If-Match and If-Unmodified-Since that fail: 412; the current ETag: the object", async () => {
    newEdge();
    const path = "/uploads/afk/22/afk-22.mp3";
    await known(path, 3 * MiB + 1);
    const object = edge.origin.object(path);
    const failed = await edge.request(path, { headers: { "if-match": '"other"', range: "bytes=0-9" } });
    expect(failed.status).toBe(412);
    expect(failed.headers.get("etag")).toBe(object.etag);
    const unmodified = await edge.request(path, { headers: { "if-unmodified-since": "Sun, 01 Jan 2017 00:00:00 GMT" } });
    expect(unmodified.status).toBe(412);
    const head = await edge.request(path, { method: "HEAD", headers: { "if-match": '"other"' } });
    expect(head.status).toBe(412);
    expect(head.served.response.body).toBeNull();
    const holds = await edge.request(path, { headers: { "if-match": object.etag!, range: "bytes=0-9" } });
    expect(holds.status).toBe(206);
    expectBytes(holds.body, originBytes(path, 0, 9));
    for (const answer of [failed, unmodified, head, holds]) expect(answer.originRequests()).toBe(0);
  });
});

describe("objects the store cannot keep (hit-for-pass)", () => {
  for (const [name, extra, reason] of [
    ["Cache-Control: no-store", { cacheControl: "no-store" }, "cache-control-no-store"],
    ["Cache-Control: private", { cacheControl: "private, max-age=60" }, "cache-control-private"],
    ["no validators", { validators: "none" as const }, "no-validator"],
  ] as const) {
    it(`${name}: remembered, so every later request is one origin request, its own; HEAD keeps the full Content-Length`, async () => {
      newEdge();
      const size = 3 * MiB + 3;
      const path = mp3("/uploads/rfc/12/rfc-12.mp3", size, extra);
      const first = await edge.request(path, range(10, 109));
      await edge.settle();
      expect(first.status).toBe(206);
      expectBytes(first.body, originBytes(path, 10, 109));
      expect(first.cache).toMatchObject({ state: "pass", note: reason });
      // The probe for segment 0, then the client's own request.
      expect(edge.origin.of(first.execution.index).map((r) => [r.range, r.pass])).toEqual([
        [unknownSegmentRange(0), false],
        ["bytes=10-109", true],
      ]);

      for (const [start, end] of [
        [10, 109],
        [2 * MiB, 2 * MiB + 5],
      ] as const) {
        const later = await edge.request(path, range(start, end));
        await edge.settle();
        expect(later.status).toBe(206);
        expectBytes(later.body, originBytes(path, start, end));
        expect(later.cache).toMatchObject({ state: "pass", fwd: "bypass", note: `hit-for-pass ${reason}` });
        expect(edge.origin.of(later.execution.index).map((r) => [r.range, r.pass])).toEqual([[`bytes=${start}-${end}`, true]]);
      }
      const whole = await edge.request(path);
      expect(whole.status).toBe(200);
      expectBytes(whole.body, originBytes(path, 0, size - 1));
      expect(whole.originRequests()).toBe(1);

      const head = await edge.request(path, { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(head.headers.get("content-length")).toBe(String(size));
      expect(head.served.response.body).toBeNull();
      expect(head.originRequests()).toBe(1);
    });
  }

  it("a cold whole GET of a no-store object: the origin's 200 passed, one request; the marker expires and the object, fixed, is stored", async () => {
    newEdge();
    const size = 3 * MiB + 3;
    const path = mp3("/uploads/rfc/13/rfc-13.mp3", size, { cacheControl: "no-store" });
    const first = await edge.request(path);
    await edge.settle();
    expect(first.status).toBe(200);
    expectBytes(first.body, originBytes(path, 0, size - 1));
    expect(first.cache).toMatchObject({ state: "pass", note: "cache-control-no-store" });
    expect(first.originRequests()).toBe(1);
    const second = await edge.request(path, range(0, 9));
    expect(second.cache.note).toBe("hit-for-pass cache-control-no-store");
    expect(second.originRequests()).toBe(1);

    edge.origin.replace(path, { cacheControl: "public, max-age=3600" });
    edge.advance(121);
    const renewed = await edge.request(path, range(0, 9));
    await edge.settle();
    expect(renewed.status).toBe(206);
    expectBytes(renewed.body, originBytes(path, 0, 9));
    expect(renewed.cache).toMatchObject({ state: "miss", stored: true });
    expect(renewed.originRequests()).toBe(1);
    const hit = await edge.request(path, range(0, 9));
    expect(hit.cache.state).toBe("hit");
    expect(hit.originRequests()).toBe(0);
  });
});

describe("a new version at the origin", () => {
  it("between the object entry and a segment fetch: the new version is learnt and served, never the old bytes with it", async () => {
    newEdge();
    const size = 5 * MiB + 5;
    const path = "/uploads/spotlight/6/spotlight-6.mp3";
    await known(path, size);
    const v1 = edge.origin.object(path);
    const v2 = edge.origin.replace(path);
    const fresh = await edge.request(path, range(3 * MiB, 3 * MiB + 999));
    await edge.settle();
    expect(fresh.status).toBe(206);
    expect(fresh.headers.get("etag")).toBe(v2.etag);
    expectBytes(fresh.body, edge.origin.bytes(path, 3 * MiB, 3 * MiB + 1000, v2));
    expect(edge.origin.of(fresh.execution.index).map((r) => r.range)).toEqual([segmentRange(1, size), segmentRange(1, size)]);

    // Segment 0 of v1 is still in the store under v1's key; the object entry says v2 now.
    const start = await edge.request(path, range(0, 999));
    expect(start.headers.get("etag")).toBe(v2.etag);
    expectBytes(start.body, edge.origin.bytes(path, 0, 1000, v2));
    expect(start.originRequests()).toBe(1);
    expect(v1.etag).not.toBe(v2.etag);
  });

  it("mid-body, on a range over a stored segment of the old version and a missing one: the body stops, never mixing versions", async () => {
    newEdge();
    const size = 5 * MiB + 5;
    const path = "/uploads/spotlight/7/spotlight-7.mp3";
    await known(path, size);
    const v1 = edge.origin.object(path);
    edge.origin.replace(path);
    const start = segment - 500_000;
    const end = segment + 499_999;
    const mixed = await edge.request(path, range(start, end));
    await edge.settle();
    expect(mixed.status).toBe(206);
    expect(mixed.headers.get("etag")).toBe(v1.etag);
    // Every byte sent is v1's; the body breaks off rather than continue with v2's.
    expectBytes(mixed.body, edge.origin.bytes(path, start, start + mixed.body.length, v1));
    expect(mixed.body.length).toBe(500_000);
    expect(mixed.error).not.toBeNull();
  });

  it("a stale object entry revalidated in the background finds the new version: the next client gets it", async () => {
    newEdge();
    const size = 3 * MiB + 1;
    const path = "/uploads/spotlight/8/spotlight-8.mp3";
    await known(path, size);
    const v1 = edge.origin.object(path);
    const v2 = edge.origin.replace(path);
    edge.advance(250);
    const stale = await edge.request(path, range(0, 999));
    expect(stale.headers.get("etag")).toBe(v1.etag);
    expectBytes(stale.body, edge.origin.bytes(path, 0, 1000, v1));
    await edge.settle();
    const after = await edge.request(path, range(0, 999));
    expect(after.headers.get("etag")).toBe(v2.etag);
    expectBytes(after.body, edge.origin.bytes(path, 0, 1000, v2));
    expect(after.cache.state).toBe("hit");
    expect(after.originRequests()).toBe(0);
  });
});

describe("a background revalidation that finds the object changed in kind", () => {
  it("now no-store: the stale copy is replaced by a hit-for-pass marker; the next clients pass, one request each", async () => {
    newEdge();
    const size = 3 * MiB + 1;
    const path = "/uploads/gotime/300/go-time-300.mp3";
    await known(path, size);
    edge.origin.replace(path, { cacheControl: "no-store" });
    edge.advance(250);
    const stale = await edge.request(path, range(0, 99));
    expect(stale.cache).toMatchObject({ state: "stale" });
    await edge.settle();
    for (const [start, end] of [
      [0, 99],
      [2 * MiB, 2 * MiB + 9],
    ] as const) {
      const later = await edge.request(path, range(start, end));
      expect(later.status).toBe(206);
      expectBytes(later.body, originBytes(path, start, end));
      expect(later.cache).toMatchObject({ state: "pass", fwd: "bypass", note: "hit-for-pass cache-control-no-store" });
      expect(edge.origin.of(later.execution.index).map((r) => [r.range, r.pass])).toEqual([[`bytes=${start}-${end}`, true]]);
    }
  });

  it("now gone: the origin's 404 is stored in place of the object and answers the next clients from the store", async () => {
    newEdge();
    const size = 3 * MiB + 1;
    const path = "/uploads/jsparty/200/js-party-200.mp3";
    await known(path, size);
    edge.origin.remove(path);
    edge.advance(250);
    const stale = await edge.request(path, range(0, 99));
    expect(stale.status).toBe(206);
    await edge.settle();
    const gone = await edge.request(path, range(0, 99));
    expect(gone.status).toBe(404);
    expect(gone.cache.state).toBe("hit");
    expect(gone.originRequests()).toBe(0);
  });
});

describe("origin failures", () => {
  it("a 5xx is retried once: the second answer serves the client", async () => {
    newEdge();
    const path = mp3("/uploads/shipit/94/ship-it-94.mp3", 3 * MiB + 1);
    edge.origin.fail({ kind: "status", status: 503 });
    const answer = await edge.request(path, range(0, 99));
    await edge.settle();
    expect(answer.status).toBe(206);
    expectBytes(answer.body, originBytes(path, 0, 99));
    expect(answer.originRequests()).toBe(2);
  });

  it("a 5xx twice: the origin's answer passed on, nothing of it kept", async () => {
    newEdge();
    const path = mp3("/uploads/shipit/95/ship-it-95.mp3", 3 * MiB + 1);
    edge.origin.fail({ kind: "status", status: 502 }, { times: 2 });
    const failed = await edge.request(path, range(0, 99));
    await edge.settle();
    expect(failed.status).toBe(502);
    expect(new TextDecoder().decode(failed.body)).toBe("fake origin: 502\n");
    expect(failed.cache).toMatchObject({ state: "miss", note: "origin-error" });
    expect(failed.originRequests()).toBe(2);
    const next = await edge.request(path, range(0, 99));
    expect(next.status).toBe(206);
    expect(next.cache.state).toBe("miss");
    expect(next.originRequests()).toBe(1);
  });

  it("a cold whole GET: a 5xx twice is passed on; refused twice is the edge's own 503", async () => {
    newEdge();
    const path = mp3("/uploads/shipit/96/ship-it-96.mp3", 3 * MiB + 1);
    edge.origin.fail({ kind: "status", status: 500 }, { times: 2 });
    const fivexx = await edge.request(path);
    expect(fivexx.status).toBe(500);
    expect(fivexx.originRequests()).toBe(2);
    edge.origin.fail({ kind: "refuse" }, { times: 2 });
    const refused = await edge.request(path);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(refused.headers.get("cache-control")).toBe("no-store");
    expect(refused.originRequests()).toBe(2);
  });

  it("no answer (refused twice): the edge's own 503 after one retry", async () => {
    newEdge();
    const path = mp3("/uploads/shipit/97/ship-it-97.mp3", 3 * MiB + 1);
    edge.origin.fail({ kind: "refuse" }, { times: 2 });
    const refused = await edge.request(path, range(0, 99));
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(new TextDecoder().decode(refused.body)).toContain("could not be reached");
    expect(refused.originRequests()).toBe(2);
  });

  it("a timeout: 504, not retried", async () => {
    newEdge();
    const path = mp3("/uploads/shipit/98/ship-it-98.mp3", 3 * MiB + 1);
    edge.origin.fail({ kind: "timeout" });
    const slow = await edge.request(path, range(0, 99));
    expect(slow.status).toBe(504);
    expect(new TextDecoder().decode(slow.body)).toContain("did not answer in time");
    expect(slow.originRequests()).toBe(1);

    // The object known, a missing first segment that times out: 504 as well.
    await edge.request(path, range(0, 99));
    await edge.settle();
    edge.origin.fail({ kind: "timeout" });
    const segmentSlow = await edge.request(path, range(2 * MiB, 2 * MiB + 9));
    expect(segmentSlow.status).toBe(504);
    expect(segmentSlow.originRequests()).toBe(1);

    // The whole object larger than an answer, through the HTTP cache: 504 too.
    edge.origin.fail({ kind: "timeout" });
    const wholeSlow = await edge.request(path);
    expect(wholeSlow.status).toBe(504);
    expect(wholeSlow.originRequests()).toBe(1);
  });

  it("a later segment refused twice mid-answer: the client still gets every byte, asked for by themselves", async () => {
    newEdge();
    const size = 6 * MiB + 21;
    const path = "/uploads/spotlight/9/spotlight-9.mp3";
    await known(path, size);
    const start = 4 * MiB - 300_000;
    const end = 4 * MiB + 299_999;
    edge.origin.fail({ kind: "status", status: 503 }, { times: 2, when: (r) => r.range === segmentRange(2, size) });
    const answer = await edge.request(path, range(start, end));
    await edge.settle();
    expect(answer.status).toBe(206);
    expect(answer.error).toBeNull();
    expectBytes(answer.body, originBytes(path, start, end));
    expect(edge.origin.of(answer.execution.index).map((r) => r.range)).toEqual([
      segmentRange(1, size),
      segmentRange(2, size),
      segmentRange(2, size),
      `bytes=${4 * MiB}-${end}`,
    ]);
  });

  it("an origin body that breaks off mid-segment: the rest comes from the origin, every byte; the segment is replaced", async () => {
    newEdge();
    const size = 5 * MiB + 5;
    const path = "/uploads/spotlight/10/spotlight-10.mp3";
    await known(path, size);
    const start = 2 * MiB + 100;
    const end = start + answerBytes - 1;
    edge.origin.fail({ kind: "cut", afterBytes: 300_000 }, { when: (r) => r.range === segmentRange(1, size) });
    const answer = await edge.request(path, range(start, end));
    await edge.settle();
    expect(answer.status).toBe(206);
    expect(answer.error).toBeNull();
    expectBytes(answer.body, originBytes(path, start, end));
    const asked = edge.origin.of(answer.execution.index).map((r) => r.range);
    // The segment, its replacement, and the rest of the slice from where the client's copy broke
    // (a failed insert fails its readers at once, wherever they are, as Core Cache's does).
    expect(asked.filter((r) => r === segmentRange(1, size))).toHaveLength(2);
    const rest = asked.filter((r) => r !== segmentRange(1, size));
    expect(rest).toHaveLength(1);
    const [, from, to] = /^bytes=(\d+)-(\d+)$/.exec(rest[0]!)!;
    expect(Number(to)).toBe(end);
    expect(Number(from)).toBeGreaterThan(start);
    expect(Number(from)).toBeLessThanOrEqual(2 * MiB + 300_000);

    const next = await edge.request(path, range(2 * MiB, 4 * MiB - 1 - answerBytes));
    expectBytes(next.body, originBytes(path, 2 * MiB, 4 * MiB - 1 - answerBytes));
    expect(next.cache.state).toBe("hit");
    expect(next.originRequests()).toBe(0);
  });

  it("a segment whose replacement breaks too is dropped, and the next client fetches it afresh", async () => {
    newEdge();
    const size = 5 * MiB + 5;
    const path = mp3("/uploads/spotlight/11/spotlight-11.mp3", size);
    edge.origin.fail({ kind: "cut", afterBytes: 100_000 }, { times: 2, when: (r) => r.range === unknownSegmentRange(0) });
    const first = await edge.request(path, range(0, 999));
    await edge.settle();
    expect(first.error).toBeNull();
    expectBytes(first.body, originBytes(path, 0, 999));
    // The cut segment, then (in either order) its replacement, cut again, and the client's bytes by themselves.
    const asked = edge.origin.of(first.execution.index).map((r) => r.range);
    expect(asked[0]).toBe(unknownSegmentRange(0));
    expect(asked.slice(1).sort()).toEqual([unknownSegmentRange(0), "bytes=0-999"].sort());
    const late = await edge.request(path, range(500_000, 500_999));
    await edge.settle();
    expect(late.error).toBeNull();
    expectBytes(late.body, originBytes(path, 500_000, 500_999));
    expect(edge.origin.of(late.execution.index).map((r) => r.range)).toEqual([unknownSegmentRange(0)]);
    const hit = await edge.request(path, range(segment - 10, segment - 1));
    expectBytes(hit.body, originBytes(path, segment - 10, segment - 1));
    expect(hit.cache.state).toBe("hit");
    expect(hit.originRequests()).toBe(0);
  });
});

describe("staleness", () => {
  it("past fresh, within stale-while-revalidate: the stale copy at once, one conditional revalidation; its 304 makes the copy fresh again", async () => {
    newEdge();
    const size = 3 * MiB + 1;
    const path = "/uploads/founderstalk/41/founders-talk-41.mp3";
    await known(path, size);
    const etag = edge.origin.object(path).etag;
    const before = edge.origin.requests.length;
    edge.advance(250);
    // The revalidation's answer waits until both stale requests are served.
    const release = edge.origin.hold();
    const stale = [await edge.request(path, range(0, 99)), await edge.request(path, range(100, 199))];
    release();
    for (const [i, answer] of stale.entries()) {
      expect(answer.status).toBe(206);
      expect(answer.cache).toMatchObject({ state: "stale", note: "revalidating segments=1/1" });
      expectBytes(answer.body, originBytes(path, i * 100, i * 100 + 99));
    }
    await edge.settle();
    const revalidations = edge.requestsSince(before);
    expect(revalidations).toHaveLength(1);
    expect(revalidations[0]).toMatchObject({ range: unknownSegmentRange(0) });
    expect(revalidations[0]!.headers.get("if-none-match")).toBe(etag);

    const fresh = await edge.request(path, range(0, 99));
    expect(fresh.cache).toMatchObject({ state: "hit" });
    expect(fresh.originRequests()).toBe(0);
    edge.advance(200);
    expect((await edge.request(path, range(0, 99))).cache.state).toBe("hit");
    expect(edge.requestsSince(before)).toHaveLength(1);
  });

  it("past stale-while-revalidate: revalidated first (If-None-Match); a 304 serves the stored bytes", async () => {
    newEdge();
    const path = "/uploads/founderstalk/42/founders-talk-42.mp3";
    await known(path, 3 * MiB + 1);
    edge.advance(400);
    const answer = await edge.request(path, range(0, 99));
    await edge.settle();
    expect(answer.status).toBe(206);
    expectBytes(answer.body, originBytes(path, 0, 99));
    expect(answer.cache).toMatchObject({ state: "miss", fwd: "stale", note: "revalidated segments=1/1" });
    const asked = edge.origin.of(answer.execution.index);
    expect(asked).toHaveLength(1);
    expect(asked[0]!.headers.get("if-none-match")).toBe(edge.origin.object(path).etag);
    expect((await edge.request(path, range(0, 99))).cache.state).toBe("hit");
  });

  it("past stale-while-revalidate with the origin failing: the stale copy (stale-if-error), after one retry", async () => {
    newEdge();
    const path = "/uploads/founderstalk/43/founders-talk-43.mp3";
    await known(path, 3 * MiB + 1);
    edge.advance(3600);
    edge.origin.fail({ kind: "status", status: 503 }, { times: 2 });
    const answer = await edge.request(path, range(0, 99));
    expect(answer.status).toBe(206);
    expectBytes(answer.body, originBytes(path, 0, 99));
    expect(answer.cache).toMatchObject({ state: "stale", note: "stale-if-error segments=1/1" });
    expect(answer.originRequests()).toBe(2);

    edge.origin.fail({ kind: "refuse" }, { times: 2 });
    const refused = await edge.request(path, range(0, 99));
    expect(refused.status).toBe(206);
    expect(refused.cache.state).toBe("stale");
  });

  it("a soft purge: served stale at once, revalidated with If-None-Match in the background, no segment fetched again", async () => {
    newEdge();
    const size = 5 * MiB + 5;
    const path = "/uploads/founderstalk/44/founders-talk-44.mp3";
    await known(path, size);
    await edge.request(path, range(segment, segment + 9));
    await edge.settle();
    const before = edge.origin.requests.length;
    edge.store.purge(edge.decisionFor(path).cache.surrogateKey, true);
    const stale = await edge.request(path, range(segment - 5, segment + 4));
    expect(stale.cache).toMatchObject({ state: "stale", note: "revalidating segments=2/2" });
    expectBytes(stale.body, originBytes(path, segment - 5, segment + 4));
    await edge.settle();
    const asked = edge.requestsSince(before);
    expect(asked).toHaveLength(1);
    expect(asked[0]!.headers.get("if-none-match")).toBe(edge.origin.object(path).etag);
    const after = await edge.request(path, range(segment - 5, segment + 4));
    expect(after.cache.state).toBe("hit");
    expect(edge.requestsSince(before)).toHaveLength(1);
  });

  it("a hard purge: the object and its segments are gone; the next request fetches again", async () => {
    newEdge();
    const path = "/uploads/founderstalk/45/founders-talk-45.mp3";
    await known(path, 3 * MiB + 1);
    edge.store.purge(edge.decisionFor(path).cache.surrogateKey);
    const answer = await edge.request(path, range(0, 99));
    expect(answer.cache).toMatchObject({ state: "miss", fwd: "uri-miss" });
    expect(answer.originRequests()).toBe(1);
  });
});

describe("collapsing", () => {
  it("concurrent cold ranges on one segment of a known object make one origin request", async () => {
    newEdge();
    const size = 5 * MiB + 5;
    const path = "/uploads/afk/23/afk-23.mp3";
    await known(path, size);
    const before = edge.origin.requests.length;
    const release = edge.origin.hold();
    const ranges = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => [segment + i * 100_000, segment + i * 100_000 + 99_999] as const);
    const all = Promise.all(ranges.map(([a, b]) => edge.request(path, range(a, b))));
    for (let i = 0; i < 50 && edge.requestsSince(before).length === 0; i++) await new Promise((resolve) => setImmediate(resolve));
    release();
    const answers = await all;
    await edge.settle();
    expect(edge.requestsSince(before).map((r) => r.range)).toEqual([segmentRange(1, size)]);
    for (const [i, answer] of answers.entries()) {
      expect(answer.status).toBe(206);
      expectBytes(answer.body, originBytes(path, ranges[i]![0], ranges[i]![1]));
    }
  });

  it("concurrent first requests for a cold object make one origin request, whole GETs of a small one included", async () => {
    newEdge();
    const size = 3 * MiB + 1;
    const path = mp3("/uploads/afk/24/afk-24.mp3", size);
    const release = edge.origin.hold();
    const all = Promise.all([0, 1, 2, 3].map((i) => edge.request(path, range(i * 1000, i * 1000 + 999))));
    await new Promise((resolve) => setImmediate(resolve));
    release();
    const answers = await all;
    await edge.settle();
    expect(edge.origin.requests).toHaveLength(1);
    for (const [i, answer] of answers.entries()) expectBytes(answer.body, originBytes(path, i * 1000, i * 1000 + 999));

    const small = mp3("/uploads/afk/25/afk-25.mp3", 200_003);
    const release2 = edge.origin.hold();
    const wholes = Promise.all([0, 1, 2, 3].map(() => edge.request(small)));
    await new Promise((resolve) => setImmediate(resolve));
    release2();
    for (const answer of await wholes) {
      expect(answer.status).toBe(200);
      expectBytes(answer.body, originBytes(small, 0, 200_002));
    }
    await edge.settle();
    expect(edge.origin.requests).toHaveLength(2);
  });
});

describe("answers other than the object", () => {
  it("a missing object: the origin's 404, kept for a minute, served from the store meanwhile (HEAD without a body)", async () => {
    newEdge();
    const path = "/uploads/nothing/here.mp3";
    const first = await edge.request(path);
    await edge.settle();
    expect(first.status).toBe(404);
    expect(new TextDecoder().decode(first.body)).toBe("Object Not Found\n");
    expect(first.originRequests()).toBe(1);
    const second = await edge.request(path, range(0, 9));
    expect(second.status).toBe(404);
    expect(new TextDecoder().decode(second.body)).toBe("Object Not Found\n");
    expect(second.cache.state).toBe("hit");
    expect(second.originRequests()).toBe(0);
    const head = await edge.request(path, { method: "HEAD" });
    expect(head.status).toBe(404);
    expect(head.served.response.body).toBeNull();
    expect(head.originRequests()).toBe(0);

    mp3(path, 3 * MiB + 1);
    edge.advance(61);
    const found = await edge.request(path, range(0, 9));
    await edge.settle();
    expect(found.status).toBe(206);
    expectBytes(found.body, originBytes(path, 0, 9));
  });

  it("a cache key too long for a segment key: passed through, the client's own request", async () => {
    newEdge();
    const path = `/uploads/${"x".repeat(3800)}.mp3`;
    mp3(path, 3 * MiB + 1);
    const answer = await edge.request(path, range(5, 14));
    expect(answer.status).toBe(206);
    expectBytes(answer.body, originBytes(path, 5, 14));
    expect(answer.cache).toMatchObject({ state: "pass", note: "key-too-long" });
    expect(edge.origin.of(answer.execution.index).map((r) => [r.range, r.pass])).toEqual([["bytes=5-14", true]]);
  });

  it("an object entry the edge cannot read (not its own): passed around, the client's own request, and left alone", async () => {
    newEdge();
    const path = mp3("/uploads/rfc/40/rfc-40.mp3", 3 * MiB + 1);
    const objectKey = storeKeys.object(`${assetsHost}${path}`);
    edge.store.insert(objectKey, { maxAge: 3_600_000, userMetadata: "not the edge's" }).close();
    for (let i = 0; i < 2; i++) {
      const answer = await edge.request(path, range(5, 14));
      expect(answer.status).toBe(206);
      expectBytes(answer.body, originBytes(path, 5, 14));
      expect(answer.cache).toMatchObject({ state: "pass", note: "store-unreadable" });
      expect(edge.origin.of(answer.execution.index).map((r) => [r.range, r.pass])).toEqual([["bytes=5-14", true]]);
    }
    const entry = edge.store.lookup(objectKey)!;
    const metadata = entry.userMetadata();
    entry.close();
    expect(typeof metadata === "string" ? metadata : new TextDecoder().decode(metadata)).toBe("not the edge's");
  });
});

describe("two tiers (src/cache/tiers.ts)", () => {
  it("a POP behind the shield cuts a cold object into 1 MiB segments: each shield answer is at most what an answer writes", async () => {
    edge = new AssetEdge({ role: "edge", shieldDown: false, fromPop: false });
    const size = 3 * MiB + 5;
    const path = mp3("/uploads/podcast/610/the-changelog-610.mp3", size);
    const first = await edge.request(path, range(10, 109));
    expect(first.status).toBe(206);
    expectBytes(first.body, originBytes(path, 10, 109));
    expect(edge.origin.of(first.execution.index).map((r) => r.range)).toEqual([`bytes=0-${answerBytes - 1}`]);
    await edge.settle();
    // Past the first 1 MiB is the next segment, one more request; the first is a hit.
    const across = await edge.request(path, range(answerBytes - 10, answerBytes + 9));
    expectBytes(across.body, originBytes(path, answerBytes - 10, answerBytes + 9));
    expect(edge.origin.of(across.execution.index).map((r) => r.range)).toEqual([`bytes=${answerBytes}-${2 * answerBytes - 1}`]);
    expect(across.cache).toMatchObject({ state: "miss", fwd: "partial", note: "segments=1/2" });
  });

  it("the shield answering a POP gives the object's own keys and the times it keeps it under", async () => {
    edge = new AssetEdge({ role: "shield", shieldDown: false, fromPop: true });
    const path = mp3("/uploads/shipit/120/ship-it-120.mp3", 3 * MiB, { surrogateKey: "episode-120 shipit" });
    const answer = await edge.request(path, range(0, 99));
    expect(answer.status).toBe(206);
    expect(answer.headers.get("surrogate-key")).toBe("episode-120 shipit");
    expect(answer.headers.get("surrogate-control")).toMatch(/^max-age=\d+, stale-while-revalidate=\d+, stale-if-error=\d+$/);
    // The shield cuts objects as one tier does: 2 MiB segments from the origin.
    expect(edge.origin.of(answer.execution.index).map((r) => r.range)).toEqual([`bytes=0-${segment - 1}`]);
  });
});

describe("an execution with no backend request left (Compute's 32)", () => {
  /** A request served by an execution that has already spent `spent` of its backend requests. */
  async function servedAfter(spent: number, path: string, request: Parameters<AssetEdge["context"]>[1]) {
    const execution = edge.context(path, request, spent);
    return edge.finish(execution, await serveAsset(execution.ctx, execution.decision));
  }

  it("what the store holds is still served; what needs the origin is a clear 503, and no 33rd request is made", async () => {
    newEdge();
    const path = mp3("/uploads/jsparty/300/js-party-300.mp3", 5 * MiB);
    await known(path, 5 * MiB);

    const stored = await servedAfter(32, path, range(0, 99));
    expect(stored.status).toBe(206);
    expectBytes(stored.body, originBytes(path, 0, 99));
    expect(stored.cache.state).toBe("hit");

    const needsOrigin = await servedAfter(32, path, range(3 * MiB, 3 * MiB + 99));
    expect(needsOrigin.status).toBe(503);
    expect(needsOrigin.originRequests()).toBe(0);
    // Refused by the budget (the retry too), never sent: the origin saw nothing of it.
    expect(edge.origin.overBudget.length).toBeGreaterThan(0);
    expect(edge.origin.overBudget.every((r) => r.range === segmentRange(1, 5 * MiB))).toBe(true);
    for (const execution of [stored.execution, needsOrigin.execution]) expect(execution.backends.spent).toBe(32);
    // The refusals are this test's point; the after-test check is for unplanned ones.
    edge.origin.overBudget.splice(0);
  });
});
