// The escaping tools every log line relies on.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asciiName, csvText, csvToken, headerText } from "../../../src/logs/text.js";

describe("csvText", () => {
  it("leaves ordinary printable ASCII alone", () => {
    expect(csvText("Overcast/3.0 (+http://overcast.fm/; Apple Watch podcast app)")).toBe(
      "Overcast/3.0 (+http://overcast.fm/; Apple Watch podcast app)",
    );
  });

  it("escapes quotes, backslashes, controls and non-ASCII as a JSON string body", () => {
    expect(csvText('a"b\\c\nd\re\tf\u0000g\u007fhé😀')).toBe(
      "a\\u0022b\\\\c\\nd\\re\\tf\\u0000g\\u007fh\\u00e9\\ud83d\\ude00",
    );
  });

  it("is printable ASCII without quotes for any text, and JSON.parse gives the text back", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: fc.constantFrom('"', "\\", "\n", "\u2028", "\ud800") }), (a, b) => {
        for (const text of [a, b, a + b]) {
          const field = csvText(text);
          expect(field).toMatch(/^[\x20\x21\x23-\x7e]*$/);
          expect(JSON.parse(`"${field}"`)).toBe(text);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("csvToken", () => {
  it("keeps a path as the URL parser left it", () => {
    expect(csvToken("/uploads/podcast/600/the-changelog-600.mp3")).toBe("/uploads/podcast/600/the-changelog-600.mp3");
    expect(csvToken("/uploads/a%20b.mp3")).toBe("/uploads/a%20b.mp3");
  });

  it("percent-encodes commas, quotes, spaces, controls and non-ASCII as UTF-8", () => {
    expect(csvToken('/a,b"c d\u0001é')).toBe("/a%2Cb%22c%20d%01%C3%A9");
  });

  it("never contains a comma, quote or whitespace, and decodes back to the input", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }).filter((s) => !s.includes("%")), (s) => {
        const token = csvToken(s);
        expect(token).toMatch(/^[\x21\x23-\x2b\x2d-\x7e]*$/);
        const wellFormed = !/[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""));
        if (wellFormed) expect(decodeURIComponent(token)).toBe(s);
      }),
      { numRuns: 300 },
    );
  });
});

describe("asciiName", () => {
  it("spells place names in ASCII as Fastly's VCL geo variables did", () => {
    expect(asciiName("Woluwé-Saint-Pierre")).toBe("Woluwe-Saint-Pierre");
    expect(asciiName("Kraków")).toBe("Krakow");
    expect(asciiName("São Paulo")).toBe("Sao Paulo");
    expect(asciiName("Zürich")).toBe("Zurich");
    expect(asciiName("Łódź")).toBe("Lodz");
    expect(asciiName("Straße")).toBe("Strasse");
    expect(asciiName("Tromsø")).toBe("Tromso");
    expect(asciiName("Reykjavík")).toBe("Reykjavik");
    expect(asciiName("Ashburn")).toBe("Ashburn");
  });

  it("agrees with Unicode's canonical decomposition for every letter that has one", () => {
    for (let code = 0xc0; code <= 0x24f; code++) {
      const letter = String.fromCharCode(code);
      const stripped = letter.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
      if (stripped !== letter && /^[\x20-\x7e]+$/.test(stripped)) expect(asciiName(letter)).toBe(stripped);
    }
  });

  it("keeps what it cannot spell (the line writers escape it)", () => {
    expect(asciiName("東京")).toBe("東京");
  });
});

describe("headerText", () => {
  const asBytes = (text: string) => String.fromCharCode(...new TextEncoder().encode(text));

  it("reads a UTF-8 header value the way the client meant it", () => {
    expect(headerText(asBytes("Pödcast/1.0 😀"))).toBe("Pödcast/1.0 😀");
  });

  it("leaves ASCII and bytes that are not UTF-8 as they are", () => {
    expect(headerText("curl/8.0")).toBe("curl/8.0");
    expect(headerText("caf\u00e9")).toBe("caf\u00e9");
    expect(headerText("\u00c0\u0080")).toBe("\u00c0\u0080"); // overlong
    expect(headerText("\u00ed\u00a0\u0080")).toBe("\u00ed\u00a0\u0080"); // a surrogate
  });

  it("decodes exactly what TextDecoder decodes strictly", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const latin1 = String.fromCharCode(...bytes);
        let strict: string | null;
        try {
          strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
        } catch {
          strict = null;
        }
        const isAscii = bytes.every((b) => b < 0x80);
        expect(headerText(latin1)).toBe(isAscii || strict === null ? latin1 : strict);
      }),
      { numRuns: 500 },
    );
  });
});
