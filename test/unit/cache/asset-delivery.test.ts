import { describe, expect, it } from "vitest";
import type { StoredObject } from "../../../src/cache/asset-object.js";
import { boundedRange, deliveryFor, writtenBodyBytes, type ContentAnswer } from "../../../src/cache/asset-delivery.js";
import { cacheTimes } from "../../../src/config/cache-times.js";
import { answerAsset } from "../../../src/http/asset-answer.js";

const MiB = 1024 * 1024;
const objectOf = (size: number, segment = 64 * MiB): StoredObject => ({
  kind: "object",
  size,
  etag: '"e"',
  lastModified: null,
  version: 'etag:"e"',
  segment,
  headers: { "content-type": "audio/mpeg" },
  times: cacheTimes.assets,
  surrogateKeys: [],
});

function deliver(object: StoredObject, range?: string, method: "GET" | "HEAD" = "GET") {
  const headers = new Headers(range ? { range } : {});
  const answer = answerAsset(method, headers, object, () => "b") as ContentAnswer;
  return deliveryFor(answer, object, () => answerAsset(method, new Headers(), object, () => "b") as ContentAnswer);
}

describe("deliveryFor: one host body per answer where the budget needs it", () => {
  const episode = objectOf(300 * MiB + 19);
  const small = objectOf(30 * MiB + 13);

  it("a full GET of an object of one segment is that entry's body", () => {
    const d = deliver(small);
    expect(d).toMatchObject({ kind: "slice", bounded: false, slice: { index: 0, start: 0, end: small.size - 1 } });
  });

  it("HEAD and empty objects carry no body", () => {
    expect(deliver(episode, undefined, "HEAD").kind).toBe("empty");
    expect(deliver(objectOf(0)).kind).toBe("empty");
  });

  it("a range inside one segment is one slice, exactly as asked", () => {
    const d = deliver(episode, "bytes=100-199");
    expect(d).toMatchObject({ kind: "slice", bounded: false, slice: { index: 0, start: 100, end: 199 } });
  });

  it("an open range over several segments becomes a shorter 206 up to its segment's end", () => {
    const start = 64 * MiB + 5;
    const d = deliver(episode, `bytes=${start}-`);
    expect(d.kind).toBe("slice");
    if (d.kind !== "slice") return;
    expect(d.bounded).toBe(true);
    expect(d.slice).toEqual({ kind: "segment", index: 1, start: 5, end: 64 * MiB - 1 });
    expect(d.answer.status).toBe(206);
    expect(d.answer.headers["content-range"]).toBe(`bytes ${start}-${128 * MiB - 1}/${episode.size}`);
    expect(d.answer.headers["content-length"]).toBe(String(128 * MiB - start));
  });

  it("a small range across a boundary is written by the program, exact", () => {
    const d = deliver(episode, `bytes=${64 * MiB - 3}-${64 * MiB + 2}`);
    expect(d).toMatchObject({ kind: "written", answer: { status: 206 } });
    if (d.kind === "written") expect(d.plan).toHaveLength(2);
  });

  it("a full GET over several segments is passed to the origin", () => {
    expect(deliver(episode)).toEqual({ kind: "origin", reason: "spans-segments" });
  });

  it("multipart answers are written when small, else the Range is ignored (RFC 9110 §14.2)", () => {
    expect(deliver(episode, "bytes=0-9,1000-1009").kind).toBe("written");
    const large = deliver(small, `bytes=0-${writtenBodyBytes},${4 * MiB}-${5 * MiB}`);
    expect(large).toMatchObject({ kind: "slice", answer: { status: 200, rangeIgnored: "multipart-size" } });
    expect(deliver(episode, `bytes=0-${writtenBodyBytes},${4 * MiB}-${5 * MiB}`)).toEqual({ kind: "origin", reason: "spans-segments" });
  });

  it("boundedRange never passes the segment's or the object's end", () => {
    const last = objectOf(100, 64);
    expect(boundedRange({ start: 70, end: 99 }, last)).toEqual({ start: 70, end: 99 });
    expect(boundedRange({ start: 10, end: 99 }, last)).toEqual({ start: 10, end: 63 });
    expect(boundedRange({ start: 10, end: 20 }, last)).toEqual({ start: 10, end: 20 });
  });
});
