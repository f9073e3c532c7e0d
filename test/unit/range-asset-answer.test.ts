import { describe, expect, it } from "vitest";
import type { StoredObject } from "../../src/cache/asset-object.js";
import { cacheTimes } from "../../src/config/cache-times.js";
import { answerAsset } from "../../src/http/asset-answer.js";

const object: StoredObject = {
  kind: "object",
  size: 1000,
  etag: '"abc"',
  lastModified: "Wed, 21 Oct 2015 07:28:00 GMT",
  version: 'etag:"abc"',
  segment: 1024,
  headers: { "content-type": "audio/mpeg", "cache-control": "public, max-age=3600" },
  times: cacheTimes.assets,
  surrogateKeys: [],
};
const answer = (method: "GET" | "HEAD", headers: Record<string, string> = {}) =>
  answerAsset(method, new Headers(headers), object, () => "BOUNDARY");

describe("answerAsset", () => {
  it("GET: 200, the whole body as one piece, the representation's headers", () => {
    expect(answer("GET")).toEqual({
      kind: "content",
      status: 200,
      headers: {
        "content-type": "audio/mpeg",
        "cache-control": "public, max-age=3600",
        "accept-ranges": "bytes",
        etag: '"abc"',
        "last-modified": "Wed, 21 Oct 2015 07:28:00 GMT",
        "content-length": "1000",
      },
      pieces: [{ kind: "bytes", range: { start: 0, end: 999 } }],
    });
  });

  it("HEAD: the same headers, no body; Range ignored", () => {
    const head = answer("HEAD", { range: "bytes=0-9" });
    expect(head.kind === "content" && head.status).toBe(200);
    expect(head.kind === "content" && head.pieces).toEqual([]);
    expect(head.headers["content-length"]).toBe("1000");
  });

  it("a range: 206 with Content-Range and the part's length", () => {
    const partial = answer("GET", { range: "bytes=10-19" });
    expect(partial).toMatchObject({ kind: "content", status: 206, pieces: [{ kind: "bytes", range: { start: 10, end: 19 } }] });
    expect(partial.headers["content-range"]).toBe("bytes 10-19/1000");
    expect(partial.headers["content-length"]).toBe("10");
  });

  it("several ranges: a multipart body whose length is stated", () => {
    const multi = answer("GET", { range: "bytes=0-0,-1" });
    expect(multi.kind === "content" && multi.status).toBe(206);
    expect(multi.headers["content-type"]).toBe("multipart/byteranges; boundary=BOUNDARY");
    if (multi.kind !== "content") throw new Error("expected content");
    const length = multi.pieces.reduce((n, p) => n + (p.kind === "text" ? p.text.length : p.range.end - p.range.start + 1), 0);
    expect(multi.headers["content-length"]).toBe(String(length));
  });

  it("an unsatisfiable range: 416 naming the size", () => {
    const refused = answer("GET", { range: "bytes=1000-" });
    expect(refused).toMatchObject({ kind: "refused", status: 416 });
    expect(refused.headers["content-range"]).toBe("bytes */1000");
  });

  it("a malformed range: the whole object, saying why", () => {
    expect(answer("GET", { range: "bytes=oops" })).toMatchObject({ status: 200, rangeIgnored: "malformed" });
  });

  it("If-Range with another validator: the whole object", () => {
    expect(answer("GET", { range: "bytes=0-9", "if-range": '"old"' })).toMatchObject({ status: 200, rangeIgnored: "if-range" });
    expect(answer("GET", { range: "bytes=0-9", "if-range": '"abc"' })).toMatchObject({ status: 206 });
  });

  it("preconditions come before ranges: 304 carries validators and Cache-Control, no Content-Type", () => {
    expect(answer("GET", { "if-none-match": '"abc"', range: "bytes=0-9" })).toEqual({
      kind: "not-modified",
      status: 304,
      headers: {
        "accept-ranges": "bytes",
        etag: '"abc"',
        "last-modified": "Wed, 21 Oct 2015 07:28:00 GMT",
        "cache-control": "public, max-age=3600",
      },
    });
    expect(answer("GET", { "if-match": '"old"', range: "bytes=0-9" })).toMatchObject({ kind: "refused", status: 412 });
  });

  it("an empty object: 200 with no pieces", () => {
    const empty = answerAsset("GET", new Headers(), { ...object, size: 0 }, () => "B");
    expect(empty).toMatchObject({ status: 200, pieces: [] });
    expect(empty.headers["content-length"]).toBe("0");
  });
});
