// Conditional requests on an assets object through the real wasm (RFC 9110 §13): 304 for a
// matching If-None-Match / If-Modified-Since, If-Range deciding between 206 and 200, 412.

import { beforeAll, describe, expect, it } from "vitest";
import { fixtureBytes, mp3s } from "../../scripts/origins/fixtures.js";
import { fetchWhole } from "./mp3-support.js";

const mp3 = mp3s.spareA;
let etag = "";
let lastModified = "";

beforeAll(async () => {
  const head = await fetchWhole(mp3.path, { method: "HEAD" });
  etag = String(head.headers.etag);
  lastModified = String(head.headers["last-modified"]);
});

const earlier = () => new Date(Date.parse(lastModified) - 3600_000).toUTCString();
const later = () => new Date(Date.parse(lastModified) + 3600_000).toUTCString();

describe("If-None-Match and If-Modified-Since → 304", () => {
  const notModified: [string, () => Record<string, string>][] = [
    ["If-None-Match with the current ETag", () => ({ "if-none-match": etag })],
    ["If-None-Match listing it among others", () => ({ "if-none-match": `"nope", ${etag}` })],
    ["If-None-Match with its weak form (weak comparison)", () => ({ "if-none-match": `W/${etag}` })],
    ["If-None-Match: *", () => ({ "if-none-match": "*" })],
    ["If-Modified-Since equal to Last-Modified", () => ({ "if-modified-since": lastModified })],
    ["If-Modified-Since later than Last-Modified", () => ({ "if-modified-since": later() })],
    ["If-None-Match matching with an older If-Modified-Since (INM wins)", () => ({ "if-none-match": etag, "if-modified-since": earlier() })],
  ];
  for (const [name, headers] of notModified) {
    for (const method of ["GET", "HEAD"]) {
      it(`${method}, ${name}: 304, no body, the validators`, async () => {
        const res = await fetchWhole(mp3.path, { method, headers: headers() });
        expect(res.status).toBe(304);
        expect(res.body.length).toBe(0);
        expect(res.headers.etag).toBe(etag);
        expect(res.headers["content-type"]).toBeUndefined();
      });
    }
  }

  const modified: [string, () => Record<string, string>][] = [
    ["If-None-Match with another ETag", () => ({ "if-none-match": '"0123456789abcdef"' })],
    ["If-Modified-Since before Last-Modified", () => ({ "if-modified-since": earlier() })],
    ["If-Modified-Since that is not a date", () => ({ "if-modified-since": "yesterday" })],
    ["a mismatching If-None-Match with a matching If-Modified-Since (INM wins)", () => ({ "if-none-match": '"other"', "if-modified-since": later() })],
  ];
  for (const [name, headers] of modified) {
    it(`${name}: the object`, async () => {
      const res = await fetchWhole(mp3.path, { headers: { ...headers(), range: "bytes=0-99" } });
      expect(res.status).toBe(206);
      expect(res.body).toEqual(Buffer.from(fixtureBytes(mp3, 0, 100)));
    });
  }
});

describe("If-Range (RFC 9110 §13.1.5)", () => {
  it("the current ETag: the range (206)", async () => {
    const res = await fetchWhole(mp3.path, { headers: { range: "bytes=100-199", "if-range": etag } });
    expect(res.status).toBe(206);
    expect(res.headers["content-range"]).toBe(`bytes 100-199/${mp3.size}`);
    expect(res.body).toEqual(Buffer.from(fixtureBytes(mp3, 100, 200)));
  });

  it("the exact Last-Modified date: the range (206)", async () => {
    const res = await fetchWhole(mp3.path, { headers: { range: "bytes=100-199", "if-range": lastModified } });
    expect(res.status).toBe(206);
    expect(res.body).toEqual(Buffer.from(fixtureBytes(mp3, 100, 200)));
  });

  for (const [name, value] of [
    ["an old ETag", () => '"0123456789abcdef"'],
    ["the weak form of the current ETag", () => `W/${etag}`],
    ["a date that is not exactly Last-Modified", later],
  ] as const) {
    it(`${name}: the whole object (200), as a resumed download must restart`, async () => {
      const res = await fetchWhole(mp3.path, { headers: { range: "bytes=100-199", "if-range": value() } });
      expect(res.status).toBe(200);
      expect(res.headers["content-length"]).toBe(String(mp3.size));
      expect(res.headers["content-range"]).toBeUndefined();
      expect(res.body.length).toBe(mp3.size);
      expect(res.body.subarray(0, 1000)).toEqual(Buffer.from(fixtureBytes(mp3, 0, 1000)));
    });
  }
});

describe("If-Match and If-Unmodified-Since → 412 when they fail", () => {
  it("If-Match with another ETag: 412", async () => {
    const res = await fetchWhole(mp3.path, { headers: { "if-match": '"0123456789abcdef"' } });
    expect(res.status).toBe(412);
    expect(res.headers["content-type"]).not.toBe("audio/mpeg");
  });

  it("If-Match with the current ETag: the object", async () => {
    const res = await fetchWhole(mp3.path, { headers: { "if-match": etag, range: "bytes=0-9" } });
    expect(res.status).toBe(206);
    expect(res.body).toEqual(Buffer.from(fixtureBytes(mp3, 0, 10)));
  });

  it("If-Unmodified-Since before Last-Modified: 412", async () => {
    const res = await fetchWhole(mp3.path, { headers: { "if-unmodified-since": earlier() } });
    expect(res.status).toBe(412);
  });
});
