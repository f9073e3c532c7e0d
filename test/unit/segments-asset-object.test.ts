import { describe, expect, it } from "vitest";
import {
  answerFreshSeconds,
  decodeMetadata,
  encodeMetadata,
  freshenedBy304,
  passMarker,
  readSegmentAnswer,
  revalidationHeadersOf,
  type StoredAnswer,
  type StoredObject,
} from "../../src/cache/asset-object.js";
import { cacheTimes, hitForPassSeconds } from "../../src/config/cache-times.js";

const segment = 1000;
const r2 = (extra: Record<string, string>) =>
  new Headers({ etag: '"e1"', "last-modified": "Wed, 21 Oct 2015 07:28:00 GMT", "content-type": "audio/mpeg", ...extra });

describe("readSegmentAnswer: what an origin answer to a segment request tells the store", () => {
  it("206 for the segment asked: the object and that segment", () => {
    const read = readSegmentAnswer(206, r2({ "content-range": "bytes 1000-1999/2500", "surrogate-key": "ep-1 show-2" }), 1, segment);
    expect(read).toEqual({
      kind: "object",
      segment: 1,
      object: {
        kind: "object",
        size: 2500,
        etag: '"e1"',
        lastModified: "Wed, 21 Oct 2015 07:28:00 GMT",
        version: 'etag:"e1"',
        segment,
        headers: { "content-type": "audio/mpeg" },
        times: cacheTimes.assets,
        surrogateKeys: ["ep-1", "show-2"],
      },
    });
  });

  it("a 200 to a request for the whole object teaches the object of any size, holding no segment", () => {
    expect(readSegmentAnswer(200, r2({ "content-length": "5000" }), "whole", segment)).toMatchObject({ kind: "object", segment: null, object: { size: 5000, segment } });
    expect(readSegmentAnswer(200, r2({}), "whole", segment)).toEqual({ kind: "pass", reason: "length-unknown" });
    expect(readSegmentAnswer(206, r2({ "content-range": "bytes 0-999/2500" }), "whole", segment)).toEqual({ kind: "pass", reason: "origin-content-range" });
    expect(readSegmentAnswer(200, r2({ "content-length": "5000", "cache-control": "no-store" }), "whole", segment)).toEqual({ kind: "pass", reason: "cache-control-no-store" });
    expect(readSegmentAnswer(404, r2({ "content-length": "9" }), "whole", segment)).toMatchObject({ kind: "answer", answer: { status: 404 } });
  });

  it("the last, shorter segment", () => {
    expect(readSegmentAnswer(206, r2({ "content-range": "bytes 2000-2499/2500" }), 2, segment)).toMatchObject({ kind: "object", segment: 2 });
  });

  it("416 (the asked segment starts past the end): the object's size, no segment", () => {
    expect(readSegmentAnswer(416, r2({ "content-range": "bytes */2500" }), 5, segment)).toMatchObject({
      kind: "object",
      segment: null,
      object: { size: 2500 },
    });
  });

  it("200 for a small object (Range ignored): the whole object is segment 0", () => {
    expect(readSegmentAnswer(200, r2({ "content-length": "700" }), 0, segment)).toMatchObject({ kind: "object", segment: 0, object: { size: 700 } });
    expect(readSegmentAnswer(200, r2({ "content-length": "0" }), 0, segment)).toMatchObject({ kind: "object", segment: null, object: { size: 0 } });
  });

  it("200 for an object larger than a segment, or a Content-Range that is not the segment: pass through", () => {
    expect(readSegmentAnswer(200, r2({ "content-length": "5000" }), 0, segment)).toEqual({ kind: "pass", reason: "origin-ignored-range" });
    expect(readSegmentAnswer(206, r2({ "content-range": "bytes 0-499/2500" }), 0, segment)).toEqual({ kind: "pass", reason: "origin-content-range" });
    expect(readSegmentAnswer(206, r2({ "content-range": "bytes 1000-1999/2500" }), 0, segment)).toMatchObject({ kind: "pass" });
    expect(readSegmentAnswer(206, r2({}), 0, segment)).toMatchObject({ kind: "pass" });
  });

  it("objects the cache policy refuses, or without any validator, pass through", () => {
    const range = { "content-range": "bytes 0-999/2500" };
    expect(readSegmentAnswer(206, r2({ ...range, "cache-control": "private" }), 0, segment)).toEqual({ kind: "pass", reason: "cache-control-private" });
    expect(readSegmentAnswer(206, r2({ ...range, "set-cookie": "a=b" }), 0, segment)).toEqual({ kind: "pass", reason: "set-cookie" });
    expect(readSegmentAnswer(206, new Headers(range), 0, segment)).toEqual({ kind: "pass", reason: "no-validator" });
  });

  it("Surrogate-Control max-age sets the object's fresh time", () => {
    const read = readSegmentAnswer(206, r2({ "content-range": "bytes 0-999/2500", "surrogate-control": "max-age=300" }), 0, segment);
    expect(read.kind === "object" && read.object.times.fresh).toBe(300);
  });

  it("a 404 is kept whole, fresh for a minute, never served stale while revalidating", () => {
    const read = readSegmentAnswer(404, new Headers({ "content-type": "text/plain", "content-length": "17" }), 0, segment);
    expect(read).toEqual({
      kind: "answer",
      answer: {
        kind: "answer",
        status: 404,
        headers: { "content-type": "text/plain" },
        times: { fresh: answerFreshSeconds, staleWhileRevalidate: 0, staleIfError: cacheTimes.assets.staleIfError },
        surrogateKeys: [],
      },
    });
  });

  it("answers that may not be stored, or whose size is unknown or large, pass through", () => {
    expect(readSegmentAnswer(403, new Headers({ "content-length": "10" }), 0, segment)).toMatchObject({ kind: "pass" });
    expect(readSegmentAnswer(502, new Headers({ "content-length": "10" }), 0, segment)).toMatchObject({ kind: "pass", reason: "status-5xx" });
    expect(readSegmentAnswer(404, new Headers(), 0, segment)).toEqual({ kind: "pass", reason: "answer-body-size" });
    expect(readSegmentAnswer(404, new Headers({ "content-length": String(1 << 20) }), 0, segment)).toEqual({ kind: "pass", reason: "answer-body-size" });
  });
});

describe("stored metadata", () => {
  it("round-trips, and refuses anything else", () => {
    const object: StoredObject = {
      kind: "object",
      size: 12,
      etag: '"x"',
      lastModified: null,
      version: 'etag:"x"',
      segment: 2048,
      headers: {},
      times: cacheTimes.assets,
      surrogateKeys: ["k"],
    };
    expect(decodeMetadata(encodeMetadata(object))).toEqual({ v: 2, ...object });
    expect(decodeMetadata("")).toBeNull();
    // Version 1 had no segment size: its objects were cut at 2 MiB and are not read as another size.
    expect(decodeMetadata('{"v":1,"kind":"object","size":1,"version":"a"}')).toBeNull();
    expect(decodeMetadata('{"v":2,"kind":"object","size":1,"version":"a"}')).toBeNull();
    expect(decodeMetadata('{"v":2,"kind":"object","size":-1.5,"version":"a","segment":2}')).toBeNull();
    const marker = passMarker("no-validator");
    expect(decodeMetadata(encodeMetadata(marker))).toEqual({ v: 2, ...marker });
    expect(marker.times.fresh).toBe(hitForPassSeconds);
  });
});

describe("a stored asset revalidated: its validators, and the origin's 304", () => {
  const object: StoredObject = {
    kind: "object",
    size: 2500,
    etag: '"e1"',
    lastModified: "Wed, 21 Oct 2015 07:28:00 GMT",
    version: 'etag:"e1"',
    segment,
    headers: { "content-type": "audio/mpeg", "cache-control": "max-age=60" },
    times: { fresh: 30, staleWhileRevalidate: 10, staleIfError: 600 },
    surrogateKeys: ["ep-1"],
  };
  const notFound: StoredAnswer = {
    kind: "answer",
    status: 404,
    headers: { "content-type": "text/plain" },
    times: { fresh: 60, staleWhileRevalidate: 0, staleIfError: 600 },
    surrogateKeys: [],
  };

  it("asks with the ETag, else with Last-Modified, else unconditionally", () => {
    expect(revalidationHeadersOf(object)).toEqual({ "if-none-match": '"e1"' });
    expect(revalidationHeadersOf({ ...object, etag: null })).toEqual({ "if-modified-since": "Wed, 21 Oct 2015 07:28:00 GMT" });
    expect(revalidationHeadersOf({ ...object, etag: null, lastModified: null })).toBeUndefined();
    expect(revalidationHeadersOf(notFound)).toBeUndefined();
    expect(revalidationHeadersOf(passMarker("no-validator"))).toBeUndefined();
  });

  it("RFC 9111 §4.3.4: the 304's headers replace the stored ones; the rest, size and version stay", () => {
    const updated = freshenedBy304(object, new Headers({ "cache-control": "max-age=120", "content-disposition": "attachment", etag: '"e1"' }));
    expect(updated).toEqual({ ...object, headers: { "content-type": "audio/mpeg", "cache-control": "max-age=120", "content-disposition": "attachment" } });
  });

  it("times and surrogate keys follow a Surrogate-Control or Surrogate-Key in the 304, else stay", () => {
    expect(freshenedBy304(object, new Headers({ etag: '"e1"' }))).toMatchObject({ times: object.times, surrogateKeys: ["ep-1"] });
    const renewed = freshenedBy304(object, new Headers({ "surrogate-control": "max-age=5, stale-while-revalidate=2", "surrogate-key": "ep-1 show-9" }));
    expect(renewed).toMatchObject({ times: { fresh: 5, staleWhileRevalidate: 2, staleIfError: cacheTimes.assets.staleIfError }, surrogateKeys: ["ep-1", "show-9"] });
  });

  it("a 304 that makes the response unstorable gives the hit-for-pass marker in its place", () => {
    expect(freshenedBy304(object, new Headers({ "cache-control": "no-store" }))).toEqual(passMarker("cache-control-no-store"));
    expect(freshenedBy304(object, new Headers({ "set-cookie": "a=1" }))).toEqual(passMarker("set-cookie"));
    expect(freshenedBy304(notFound, new Headers({ "cache-control": "private" }))).toEqual(passMarker("cache-control-private"));
  });

  it("a stored answer stays within its short fresh time and is never served while revalidating", () => {
    const updated = freshenedBy304(notFound, new Headers({ "surrogate-control": "max-age=3600, stale-while-revalidate=600" }));
    expect(updated).toMatchObject({ kind: "answer", status: 404, times: { fresh: answerFreshSeconds, staleWhileRevalidate: 0 } });
  });
});
