// The test-side importer itself: it keeps the real sample lines and drops what the real one
// drops, so the properties built on it mean something. samples/ holds the spec's sample logs.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { importLine, importObject, parseCsvRow } from "../../support/importer.js";

const samples = readFileSync(new URL("./samples/episode-downloads.txt", import.meta.url), "utf8");

describe("test-side stats importer", () => {
  it("keeps every line of the spec's sample object, syslog prefix and all", () => {
    const results = importObject(samples);
    expect(results).toHaveLength(6);
    expect(results.every((r) => r.kept)).toBe(true);
    const first = results[0]!;
    expect(first.kept && first.entry).toEqual({
      ip: "174.153.120.110",
      episode: "217",
      bytes: 327316,
      status: 206,
      agent:
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_12) AppleWebKit/602.1.50 (KHTML, like Gecko) Version/10.0 Safari/602.1.50",
      latitude: 37.751,
      longitude: -97.822,
      cityName: "Unknown",
      continentCode: "NA",
      countryCode: "US",
      countryName: "United States",
    });
  });

  const line = (agent: string) => `1.2.3.4,[11/Oct/2016:13:24:07 +0000],/uploads/podcast/1/a.mp3,10,200,${agent},1.000,2.000,"x",NA,US,"U"`;

  it('drops a line whose agent uses RFC 4180 `""` next to a word (the importer rewrites it)', () => {
    expect(importLine(line('"say ""hi"" now"')).kept).toBe(false);
  });

  it('keeps `""` that touches no word character', () => {
    const result = importLine(line('"a ""-"" b"'));
    expect(result.kept && result.entry.agent).toBe('a "-" b');
  });

  it("drops lines with a bare quote in an unquoted field, an unclosed quote, or junk after a quote", () => {
    expect(importLine(line('a"b')).kept).toBe(false);
    expect(importLine(line('"abc')).kept).toBe(false);
    expect(importLine(line('"abc"d')).kept).toBe(false);
  });

  it("splits objects on line feeds, so a raw line feed in a field loses the line", () => {
    const results = importObject(line('"two\nlines"'));
    expect(results.some((r) => r.kept)).toBe(false);
  });

  it("drops 0-byte and 301 lines, and coordinates without a decimal point", () => {
    expect(importLine(line('"ua"').replace(",10,200,", ",0,200,"))).toMatchObject({ kept: false, reason: "0 bytes" });
    expect(importLine(line('"ua"').replace(",10,200,", ",10,301,"))).toMatchObject({ kept: false });
    expect(importLine(line('"ua"').replace("1.000,", "1,")).kept).toBe(false);
  });

  it("maps (null) and non-printable agents to Unknown", () => {
    const nul = importLine(line('"(null)"'));
    expect(nul.kept && nul.entry.agent).toBe("Unknown");
    const ctl = importLine(line('"a\u0001b"'));
    expect(ctl.kept && ctl.entry.agent).toBe("Unknown");
  });

  it("parses RFC 4180 rows with empty, quoted and CRLF-terminated fields", () => {
    expect(parseCsvRow('a,"b,c",,"d""e"\r\n')).toEqual(["a", "b,c", "", 'd"e']);
    expect(() => parseCsvRow('"a"\r')).toThrow();
  });
});
