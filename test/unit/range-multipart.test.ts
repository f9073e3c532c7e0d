import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { boundaryFrom, multipartLayout, textBytes } from "../../src/http/multipart.js";

describe("multipart/byteranges (RFC 9110 §14.6)", () => {
  it("lays out parts as RFC 9110's example does", () => {
    const layout = multipartLayout(
      [
        { start: 500, end: 999 },
        { start: 7000, end: 7999 },
      ],
      8000,
      "image/gif",
      "THIS_STRING_SEPARATES",
    );
    expect(layout.contentType).toBe("multipart/byteranges; boundary=THIS_STRING_SEPARATES");
    const rendered = layout.pieces.map((p) => (p.kind === "text" ? p.text : `<${p.range.start}-${p.range.end}>`)).join("");
    expect(rendered).toBe(
      "--THIS_STRING_SEPARATES\r\nContent-Type: image/gif\r\nContent-Range: bytes 500-999/8000\r\n\r\n<500-999>" +
        "\r\n--THIS_STRING_SEPARATES\r\nContent-Type: image/gif\r\nContent-Range: bytes 7000-7999/8000\r\n\r\n<7000-7999>" +
        "\r\n--THIS_STRING_SEPARATES--\r\n",
    );
  });

  it("states the exact length of the body it lays out", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(10_000), fc.nat(500)), { minLength: 2, maxLength: 8 }), fc.uint8Array({ minLength: 24, maxLength: 24 }), (pairs, random) => {
        const ranges = pairs.map(([start, len]) => ({ start, end: start + len }));
        const layout = multipartLayout(ranges, 20_000, "audio/mpeg", boundaryFrom(random));
        const bytes = layout.pieces.reduce((n, p) => n + (p.kind === "text" ? textBytes(p.text).length : p.range.end - p.range.start + 1), 0);
        expect(layout.length).toBe(bytes);
      }),
    );
  });

  it("makes boundaries that need no quoting", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 24, maxLength: 24 }), (random) => {
        expect(boundaryFrom(random)).toMatch(/^[0-9A-Za-z-]{1,70}$/);
      }),
    );
  });

  it("writes header text as one byte per character", () => {
    expect([...textBytes("a\u00e9")]).toEqual([0x61, 0xe9]);
  });
});
