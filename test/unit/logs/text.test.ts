// The escaping tools every log line relies on.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cutMark } from "../../../src/config/log-caps.js";
import { asciiName, csvQuoted, csvToken, cutText, headerText, maxCodePointCost, quoteRunWritten, utf8Length } from "../../../src/logs/text.js";
import { jsonCost } from "../../../src/logs/json.js";
import { episodeCosts } from "../../../src/logs/episode-line.js";
import { collapseDoubleDoubleQuotes, parseCsvRow } from "../../support/importer.js";
import { loggedText } from "./logged-text.js";

/** One quoted field between two others, read the way the importer reads a line. */
function importedField(field: string, before = "a", after = "b"): string {
  const row = parseCsvRow(collapseDoubleDoubleQuotes(Buffer.from(`${before},${field},${after}`, "utf8").toString("latin1")));
  expect(row).toHaveLength(3);
  return Buffer.from(row[1]!, "latin1").toString("utf8");
}

describe("csvQuoted", () => {
  it("leaves ordinary user agents alone", () => {
    expect(csvQuoted("Overcast/3.0 (+http://overcast.fm/; Apple Watch podcast app)")).toBe(
      '"Overcast/3.0 (+http://overcast.fm/; Apple Watch podcast app)"',
    );
  });

  it("keeps backslashes, tabs, UTF-8 and emoji as they are", () => {
    expect(csvQuoted("C:\\Program Files\\x\tÜnïcödé/1.0 (日本) 🎧")).toBe('"C:\\Program Files\\x\tÜnïcödé/1.0 (日本) 🎧"');
  });

  it("replaces line breaks and other controls by a space, lone surrogates by U+FFFD", () => {
    expect(csvQuoted("a\nb\r\nc\u0000d\u007fe\u0085f\ud800g")).toBe('"a b  c d e f\ufffdg"');
  });

  it("writes each quote so that the importer's rewrite and RFC 4180 leave exactly one", () => {
    // RFC 4180 doubles it; a run next to a word byte gets one more quote per word neighbour.
    expect(csvQuoted('Evil "Agent" 1.0')).toBe('"Evil """Agent""" 1.0"');
    expect(csvQuoted('say "hi"')).toBe('"say """hi""""');
    expect(csvQuoted('" "')).toBe('""" """');
    expect(csvQuoted('a"b')).toBe('"a""""b"');
    expect(csvQuoted('"')).toBe('""""');
    expect(csvQuoted('""')).toBe('""""""');
    for (const text of ['Evil "Agent" 1.0', 'say "hi"', '" "', 'a"b', '"', '""', '"x', 'x"', 'é"é', '"日"', '😀"😀']) {
      expect(importedField(csvQuoted(text))).toBe(text);
    }
  });

  it("decides by bytes, as Erlang's byte-mode regex does: é ends in 0xA9 (not a word byte), ª in 0xAA (one)", () => {
    // é is C3 A9: it starts with a word byte (0xC3 is Ã in Latin-1) and ends with a non-word one.
    expect(csvQuoted('é"é')).toBe('"é"""é"');
    // ª is C2 AA: starts with Â (a word byte), ends with ª (a word byte).
    expect(csvQuoted('ª"ª')).toBe('"ª""""ª"');
  });

  it("is read back by the importer as the text itself (control characters aside), whatever the text", () => {
    const quoteHeavy = fc.string({ unit: fc.constantFrom('"', '""', "a", "_", " ", ",", "é", "ª", "µ", "×", "÷", "ÿ", "日", "😀", "\\", "\t") });
    fc.assert(
      fc.property(fc.oneof(quoteHeavy, fc.string({ unit: "binary" }), fc.string()), fc.constantFrom("a", "", "(null)", '"x"'), (text, neighbour) => {
        const field = csvQuoted(text);
        expect(field.startsWith('"') && field.endsWith('"')).toBe(true);
        expect(field).not.toMatch(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/);
        expect(importedField(field, neighbour, neighbour)).toBe(loggedText(text));
      }),
      { numRuns: 2000 },
    );
  });

  it("lengthens a run of two or more by one per word neighbour", () => {
    expect(quoteRunWritten(2, false, false)).toBe(2);
    expect(quoteRunWritten(2, true, false)).toBe(3);
    expect(quoteRunWritten(2, false, true)).toBe(3);
    expect(quoteRunWritten(2, true, true)).toBe(4);
    expect(quoteRunWritten(1, true, true)).toBe(1);
    expect(quoteRunWritten(1, true, false)).toBe(1);
    // Checked against the rewrite itself for every short run and neighbour pair.
    for (let wanted = 1; wanted <= 8; wanted++) {
      for (const [before, after] of [["a", "b"], [" ", "b"], ["a", " "], [" ", " "]] as const) {
        const written = quoteRunWritten(wanted, before !== " ", after !== " ");
        const run = collapseDoubleDoubleQuotes(`${before}${'"'.repeat(written)}${after}`);
        expect(run).toBe(`${before}${'"'.repeat(wanted)}${after}`);
      }
    }
  });
});

describe("cutText", () => {
  const bytes = (code: number) => utf8Length(code);

  it("keeps a value that fits and cuts a longer one on a character boundary, marked", () => {
    expect(cutText("abcdef", 6, bytes)).toBe("abcdef");
    expect(cutText("abcdefg", 6, bytes)).toBe(`abc${cutMark}`);
    // 😀 is 4 bytes: it is never split.
    expect(cutText("ab😀cdefgh", 8, bytes)).toBe(`ab${cutMark}`);
    expect(cutText("ab😀cdefgh", 9, bytes)).toBe(`ab😀${cutMark}`);
  });

  it("never goes past the cap, for any text and cap", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), fc.integer({ min: 3, max: 400 }), (text, cap) => {
        const cut = cutText(text, cap, bytes);
        expect(Buffer.byteLength(cut.replace(/[\ud800-\udfff]/g, "x"), "utf8")).toBeLessThanOrEqual(Math.max(cap, Buffer.byteLength(text.replace(/[\ud800-\udfff]/g, "x"))));
        if (cut !== text) {
          expect(cut.endsWith(cutMark)).toBe(true);
          expect(text.startsWith(cut.slice(0, -cutMark.length))).toBe(true);
          expect(Buffer.byteLength(cut, "utf8")).toBeLessThanOrEqual(cap);
        }
      }),
      { numRuns: 500 },
    );
  });

  /** The definition: whole code points while the written form, the mark included, fits. */
  function reference(value: string, maxBytes: number, cost: (code: number) => number): string {
    const chars = [...value];
    if (chars.reduce((n, c) => n + cost(c.codePointAt(0)!), 0) <= maxBytes) return value;
    const budget = maxBytes - cost(cutMark.codePointAt(0)!);
    let used = 0;
    let kept = "";
    for (const char of chars) {
      used += cost(char.codePointAt(0)!);
      if (used > budget) break;
      kept += char;
    }
    return kept + cutMark;
  }

  it("is the definition for every cost function the logs use, short values (not scanned) and long ones alike", () => {
    const costs = [bytes, jsonCost, episodeCosts.quoted, episodeCosts.token];
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 120 }), fc.integer({ min: 3, max: 600 }), fc.integer({ min: 0, max: costs.length - 1 }), (text, cap, which) => {
        const cost = costs[which]!;
        expect(cutText(text, cap, cost)).toBe(reference(text, cap, cost));
      }),
      { numRuns: 2000 },
    );
  });

  it("no cost function gives a code point more than maxCodePointCost, which the short-value path relies on", () => {
    for (const cost of [bytes, jsonCost, episodeCosts.quoted, episodeCosts.token]) {
      for (let code = 0; code <= 0x10ffff; code += code < 0x3000 ? 1 : 97) expect(cost(code)).toBeLessThanOrEqual(maxCodePointCost);
      expect(cost(0x10ffff)).toBeLessThanOrEqual(maxCodePointCost);
    }
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
