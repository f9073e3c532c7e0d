import { describe, expect, it } from "vitest";
import type { StoredObject } from "../../../src/cache/asset-object.js";
import { boundedRange, deliveryFor, writtenBodyBytes, type ContentAnswer } from "../../../src/cache/asset-delivery.js";
import { planLength, segmentBytes } from "../../../src/cache/segments.js";
import { cacheTimes } from "../../../src/config/cache-times.js";
import { answerAsset } from "../../../src/http/asset-answer.js";

const MiB = 1024 * 1024;
const objectOf = (size: number): StoredObject => ({
  kind: "object",
  size,
  etag: '"e"',
  lastModified: null,
  version: 'etag:"e"',
  segment: segmentBytes,
  headers: { "content-type": "audio/mpeg" },
  times: cacheTimes.assets,
  surrogateKeys: [],
});

function deliver(object: StoredObject, range?: string, method: "GET" | "HEAD" = "GET") {
  const headers = new Headers(range ? { range } : {});
  const answer = answerAsset(method, headers, object, () => "b") as ContentAnswer;
  return deliveryFor(answer, object, () => answerAsset(method, new Headers(), object, () => "b") as ContentAnswer);
}

describe("deliveryFor: no answer from the store writes more than writtenBodyBytes", () => {
  const episode = objectOf(300 * MiB + 19);
  const cover = objectOf(48_611);

  it("a small object whole, and any range up to the bound, are written from the store, exactly as asked", () => {
    expect(deliver(cover)).toMatchObject({ kind: "written", bounded: false, answer: { status: 200 } });
    const across = deliver(episode, `bytes=${segmentBytes - 3}-${segmentBytes + 2}`);
    expect(across).toMatchObject({ kind: "written", bounded: false, answer: { status: 206 } });
    if (across.kind === "written") expect(across.plan).toHaveLength(2);
    const atBound = deliver(episode, `bytes=10-${10 + writtenBodyBytes - 1}`);
    expect(atBound).toMatchObject({ kind: "written", bounded: false });
  });

  it("HEAD and empty objects carry no body", () => {
    expect(deliver(episode, undefined, "HEAD").kind).toBe("empty");
    expect(deliver(objectOf(0)).kind).toBe("empty");
  });

  it("a larger range, open or closed, is a 206 of the first writtenBodyBytes, saying so in Content-Range", () => {
    for (const range of ["bytes=5-", `bytes=5-${episode.size - 1}`, "bytes=5-999999999"]) {
      const d = deliver(episode, range);
      expect(d.kind).toBe("written");
      if (d.kind !== "written") continue;
      expect(d.bounded).toBe(true);
      expect(planLength(d.plan)).toBe(writtenBodyBytes);
      expect(d.answer.status).toBe(206);
      expect(d.answer.headers["content-range"]).toBe(`bytes 5-${5 + writtenBodyBytes - 1}/${episode.size}`);
      expect(d.answer.headers["content-length"]).toBe(String(writtenBodyBytes));
    }
  });

  it("a suffix range larger than the bound starts where the client asked", () => {
    const d = deliver(episode, "bytes=-5000000");
    expect(d).toMatchObject({ kind: "written", bounded: true });
    if (d.kind === "written") expect(d.answer.headers["content-range"]).toBe(`bytes ${episode.size - 5_000_000}-${episode.size - 5_000_000 + writtenBodyBytes - 1}/${episode.size}`);
  });

  it("a full GET larger than the bound is the whole object from the origin", () => {
    expect(deliver(episode)).toEqual({ kind: "whole", reason: "larger-than-an-answer" });
    expect(deliver(objectOf(writtenBodyBytes + 1))).toEqual({ kind: "whole", reason: "larger-than-an-answer" });
    expect(deliver(objectOf(writtenBodyBytes))).toMatchObject({ kind: "written" });
  });

  it("multipart answers are written when small, else the Range is ignored (RFC 9110 §14.2)", () => {
    expect(deliver(episode, "bytes=0-9,1000-1009")).toMatchObject({ kind: "written", answer: { status: 206 } });
    const small = objectOf(writtenBodyBytes);
    const half = writtenBodyBytes / 2;
    expect(deliver(small, `bytes=0-${half},${half + 100}-${writtenBodyBytes - 1}`)).toMatchObject({
      kind: "written",
      answer: { status: 200, rangeIgnored: "multipart-size" },
    });
    expect(deliver(episode, `bytes=0-${MiB},${4 * MiB}-${5 * MiB}`)).toEqual({ kind: "whole", reason: "larger-than-an-answer" });
  });

  it("boundedRange keeps shorter ranges as they are", () => {
    expect(boundedRange({ start: 70, end: 99 })).toEqual({ start: 70, end: 99 });
    expect(boundedRange({ start: 0, end: 10 * MiB })).toEqual({ start: 0, end: writtenBodyBytes - 1 });
  });
});
