// Byte ranges on an assets object through the real wasm (spec "MP3s and byte ranges", RFC 9110
// §14): exact bytes for every form of Range, 416, malformed headers, several ranges, HEAD. No
// answer from the store is longer than `writtenBodyBytes` (1 MiB, src/cache/asset-delivery.ts): a
// longer range gets a 206 of that many bytes from where it starts (RFC 9110 §14.1.2, §15.3.7),
// and a 200 of a larger object is the origin's body through the HTTP cache.
// These hold whether or not the object is already cached (files share one edge and one cache).

import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fixtureBytes, mp3s } from "../../scripts/origins/fixtures.js";
import { answerBytes, boundedEnd, fetchWhole, multipartParts, streamFrom } from "./mp3-support.js";
import { expectEachTier, ownCacheStatus } from "./support/tiers.js";

const mp3 = mp3s.spareA;
const size = mp3.size;
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A 200 of an object larger than an answer: the origin's body, through the HTTP cache. */
// Known objects: the client's GET through the HTTP cache; a cold one: the whole GET that also
// taught the store what the object is. On two tiers both the shield's entry and the POP's say so:
// the POP's whole GET goes to the shield, whose own goes to the origin (expectEachTier).
const wholeFromOrigin =
  /^changelog-edge; (fwd=bypass; detail="[^"]*larger-than-an-answer http-cache"|fwd=uri-miss; stored; ttl=\d+; detail="[^"]*whole-from-origin")$/;

// The object is larger than an answer: that is what the whole-object and bounded cases need.
if (size <= answerBytes) throw new Error(`${mp3.path} must be larger than an answer (${answerBytes} bytes)`);

describe("an mp3 on cdn.changelog.com, whole", () => {
  it("GET: 200 with every byte, and the headers podcast clients rely on", async () => {
    const res = await streamFrom(mp3.path, { expect: { fixture: mp3, start: 0 } });
    expect(res.status).toBe(200);
    expect(res.complete).toBe(true);
    expect(res.bytes).toBe(size);
    expect(res.mismatchAt).toBe(-1);
    expect(res.headers["content-length"]).toBe(String(size));
    expect(res.headers["accept-ranges"]).toBe("bytes");
    expect(res.headers["content-type"]).toBe("audio/mpeg");
    expect(res.headers.etag).toMatch(/^"[0-9a-f]+"$/);
    expect(new Date(String(res.headers["last-modified"])).getTime()).not.toBeNaN();
    expect(res.headers["content-range"]).toBeUndefined();
    expectEachTier(res, wholeFromOrigin);
  });

  it("GET of an object of at most an answer's size: 200 with every byte, from the store", async () => {
    const small = mp3s.small;
    expect(small.size).toBeLessThanOrEqual(answerBytes);
    const res = await streamFrom(small.path, { expect: { fixture: small, start: 0 } });
    expect(res.status).toBe(200);
    expect(res.headers["content-length"]).toBe(String(small.size));
    expect(res.complete && res.mismatchAt === -1 && res.bytes === small.size).toBe(true);
    expect(res.headers["cache-status"]).not.toContain("fwd=bypass");
    expect(ownCacheStatus(res)).toMatch(/segments=[01]\/1"$/);
  });

  it("HEAD: the full Content-Length and the validators, no body", async () => {
    const res = await fetchWhole(mp3.path, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
    expect(res.headers["content-length"]).toBe(String(size));
    expect(res.headers["accept-ranges"]).toBe("bytes");
    expect(res.headers.etag).toMatch(/^"[0-9a-f]+"$/);
    expect(res.headers["content-type"]).toBe("audio/mpeg");
  });

  it("HEAD ignores Range (RFC 9110 §14.2: ranges are defined for GET)", async () => {
    const res = await fetchWhole(mp3.path, { method: "HEAD", headers: { range: "bytes=0-9" } });
    expect(res.status).toBe(200);
    expect(res.headers["content-length"]).toBe(String(size));
    expect(res.headers["content-range"]).toBeUndefined();
  });

  it("tracking query strings are the same object", async () => {
    const res = await fetchWhole(`${mp3.path}?utm_source=overcast&_=123`, { headers: { range: "bytes=10-19" } });
    expect(res.status).toBe(206);
    expect(res.body).toEqual(Buffer.from(fixtureBytes(mp3, 10, 20)));
  });
});

describe("single ranges: 206 with exactly the bytes asked for, up to an answer's length", () => {
  // [header, start, end asked (after clamping to the size)]; the 206 holds start to
  // boundedEnd(start, end), and says `range-bounded` when that is shorter than asked.
  const cases: [header: string, start: number, end: number][] = [
    ["bytes=0-0", 0, 0],
    ["bytes=0-1", 0, 1],
    ["bytes=0-1023", 0, 1023],
    ["bytes=1000-1999", 1000, 1999],
    ["bytes=123456-", 123456, size - 1],
    [`bytes=${size - 1}-`, size - 1, size - 1],
    ["bytes=-1", size - 1, size - 1],
    ["bytes=-65536", size - 65536, size - 1],
    [`bytes=${size - 10}-${size + 1000}`, size - 10, size - 1],
    [`bytes=-${size + 5}`, 0, size - 1],
    [`bytes=0-${size - 1}`, 0, size - 1],
    ["Bytes=2000000-2000099", 2_000_000, 2_000_099],
    [`bytes=0-${answerBytes - 1}`, 0, answerBytes - 1],
    [`bytes=0-${answerBytes}`, 0, answerBytes],
    [`bytes=1000-${1000 + answerBytes}`, 1000, 1000 + answerBytes],
    ["bytes=-3000000", size - 3_000_000, size - 1],
    [`bytes=-${answerBytes}`, size - answerBytes, size - 1],
  ];
  for (const [header, start, asked] of cases) {
    const end = boundedEnd(start, asked);
    it(`${header} → bytes ${start}-${end}/${size}${end < asked ? " (bounded)" : ""}`, async () => {
      const res = await streamFrom(mp3.path, { headers: { range: header }, expect: { fixture: mp3, start } });
      expect(res.status).toBe(206);
      expect(res.headers["content-range"]).toBe(`bytes ${start}-${end}/${size}`);
      expect(res.headers["content-length"]).toBe(String(end - start + 1));
      expect(res.headers["accept-ranges"]).toBe("bytes");
      expect(res.headers["content-type"]).toBe("audio/mpeg");
      expect(res.bytes).toBe(end - start + 1);
      expect(res.complete).toBe(true);
      expect(res.mismatchAt).toBe(-1);
      if (end < asked) expect(ownCacheStatus(res)).toContain("range-bounded");
      else expect(res.headers["cache-status"]).not.toContain("range-bounded");
    });
  }
});

describe("unsatisfiable and malformed ranges", () => {
  for (const header of [`bytes=${size}-`, `bytes=${size + 100}-${size + 200}`, "bytes=-0", `bytes=${size}-,${size + 5}-`]) {
    it(`${header} → 416 with Content-Range: bytes */${size}`, async () => {
      const res = await fetchWhole(mp3.path, { headers: { range: header } });
      expect(res.status).toBe(416);
      expect(res.headers["content-range"]).toBe(`bytes */${size}`);
      expect(res.headers["content-type"]).not.toBe("audio/mpeg");
    });
  }

  for (const header of ["bytes=abc", "bytes=5-2", "items=0-1", "bytes=--1", "bytes 0-1", "bytes="]) {
    it(`${JSON.stringify(header)} is ignored: 200 with the whole object`, async () => {
      const res = await fetchWhole(mp3.path, { headers: { range: header } });
      expect(res.status).toBe(200);
      expect(res.headers["content-length"]).toBe(String(size));
      expect(res.headers["content-range"]).toBeUndefined();
      expectEachTier(res, wholeFromOrigin);
      expect(sha(res.body)).toBe(sha(fixtureBytes(mp3)));
    });
  }
});

describe("several ranges in one header", () => {
  it("non-overlapping ranges: a multipart/byteranges whose every part is exact", async () => {
    const wanted: [number, number][] = [
      [0, 9],
      [size - 10, size - 1],
      [1_500_000, 1_600_000],
    ];
    const res = await fetchWhole(mp3.path, { headers: { range: "bytes=0-9, -10, 1500000-1600000" } });
    expect(res.status).toBe(206);
    const type = String(res.headers["content-type"]);
    expect(type).toMatch(/^multipart\/byteranges; boundary=[0-9A-Za-z-]+$/);
    expect(res.headers["content-length"]).toBe(String(res.body.length));
    const parts = multipartParts(type, res.body);
    expect(parts.map((p) => p.headers["content-range"])).toEqual(wanted.map(([a, b]) => `bytes ${a}-${b}/${size}`));
    parts.forEach((part, i) => {
      const [a, b] = wanted[i]!;
      expect(part.headers["content-type"]).toBe("audio/mpeg");
      expect(part.body).toEqual(Buffer.from(fixtureBytes(mp3, a, b + 1)));
    });
  });

  it("one satisfiable range among unsatisfiable ones: a plain 206", async () => {
    const res = await fetchWhole(mp3.path, { headers: { range: `bytes=${size + 1}-, 5-9` } });
    expect(res.status).toBe(206);
    expect(res.headers["content-range"]).toBe(`bytes 5-9/${size}`);
    expect(res.body).toEqual(Buffer.from(fixtureBytes(mp3, 5, 10)));
  });

  it("overlapping ranges are ignored: 200 with the whole object, never wrong bytes", async () => {
    const res = await fetchWhole(mp3.path, { headers: { range: "bytes=0-99, 50-149" } });
    expect(res.status).toBe(200);
    expect(res.headers["content-length"]).toBe(String(size));
    expect(sha(res.body)).toBe(sha(fixtureBytes(mp3)));
  });

  it("ranges that together are longer than an answer are ignored: 200 with the whole object, from the origin", async () => {
    const half = Math.ceil(answerBytes / 2) + 10;
    const res = await fetchWhole(mp3.path, { headers: { range: `bytes=0-${half - 1}, ${size - half}-` } });
    expect(res.status).toBe(200);
    expect(res.headers["content-length"]).toBe(String(size));
    expect(res.headers["content-range"]).toBeUndefined();
    expectEachTier(res, wholeFromOrigin);
    expect(sha(res.body)).toBe(sha(fixtureBytes(mp3)));
  });
});
