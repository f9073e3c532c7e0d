// The episode CSV: exact lines for known inputs, and properties over any input: the importer
// (its port, test/support/importer.ts) keeps every line, with exactly 12 fields, and stores the
// user agent, city and country the client and the platform gave, or its own Unknown.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { episodeLine } from "../../../src/logs/episode-line.js";
import { unknownGeo } from "../../../src/logs/geo.js";
import { cutMark, logValueCaps } from "../../../src/config/log-caps.js";
import { asciiName, csvToken } from "../../../src/logs/text.js";
import { importLine, importObject, printable } from "../../support/importer.js";
import { exchange } from "./exchange.js";
import { loggedText } from "./logged-text.js";

describe("episode line", () => {
  it("writes the 12 fields of the spec's sample format", () => {
    expect(episodeLine(exchange())).toBe(
      "3.219.254.95,[09/Aug/2024:18:23:17 +0000],/uploads/podcast/600/the-changelog-600.mp3,1000,206," +
        '"AppleCoreMedia/1.0.0.21G93 (iPhone; U; CPU OS 17_6 like Mac OS X; en_us)",39.047,-77.490,' +
        '"Ashburn",NA,US,"United States"',
    );
  });

  it("writes (null) and 0.000 for an unknown location, and (null) for a missing user agent", () => {
    expect(episodeLine(exchange({ geo: unknownGeo, userAgent: null, bodyBytes: 0, status: 200 }))).toBe(
      "3.219.254.95,[09/Aug/2024:18:23:17 +0000],/uploads/podcast/600/the-changelog-600.mp3,0,200," +
        '"(null)",0.000,0.000,"(null)",(null),(null),"(null)"',
    );
  });

  it("writes a city in ASCII; quotes, commas, tabs and UTF-8 stay inside the field as they are", () => {
    const line = episodeLine(
      exchange({
        userAgent: 'Pod "Player", v2\n\tÜber',
        geo: { ...unknownGeo, city: "Woluwé-Saint-Pierre", countryName: "Belgium", countryCode: "BE", continent: "EU" },
      }),
    );
    expect(line).toContain(',"Pod """Player""", v2 \tÜber",');
    expect(line).toContain(',"Woluwe-Saint-Pierre",EU,BE,"Belgium"');
    const imported = importLine(line);
    expect(imported.kept && imported.entry.agent).toBe('Pod "Player", v2 \tÜber');
  });

  it("gives the importer the agents the edge used to mangle, exactly", () => {
    for (const agent of ['Evil "Agent" 1.0', "C:\\Program Files\\Pod\\pod.exe", "Ünïcödé/1.0 (日本語)", "Podcast 🎧 App/2.0", '"quoted"', '""', "tab\there"]) {
      const imported = importLine(episodeLine(exchange({ userAgent: agent })));
      expect(imported.kept && imported.entry.agent).toBe(agent);
    }
  });

  it("cuts a very long user agent at its cap, marked, and the importer still keeps it", () => {
    const agent = `Long/1.0 ${"é\"x".repeat(30_000)}`;
    const line = episodeLine(exchange({ userAgent: agent }));
    const imported = importLine(line);
    if (!imported.kept) throw new Error(imported.reason);
    expect(imported.entry.agent.endsWith(cutMark)).toBe(true);
    expect(agent.startsWith(imported.entry.agent.slice(0, -cutMark.length))).toBe(true);
    expect(Buffer.byteLength(imported.fields[5]!)).toBeGreaterThan(logValueCaps.userAgent / 4);
    expect(Buffer.byteLength(line)).toBeLessThan(logValueCaps.userAgent + 1024);
  });

  it("percent-encodes a comma in the path so it cannot shift the fields", () => {
    const line = episodeLine(exchange({ path: "/uploads/podcast/6,00/x.mp3" }));
    const imported = importLine(line);
    expect(imported.kept && imported.fields).toHaveLength(12);
    expect(imported.kept && imported.entry.episode).toBe("6%2C00");
  });

  it("counts bytes past 2^32 exactly", () => {
    const imported = importLine(episodeLine(exchange({ bodyBytes: 2 ** 40 + 7 })));
    expect(imported.kept && imported.entry.bytes).toBe(2 ** 40 + 7);
  });
});

/** Text with everything that has ever broken a CSV line, mixed with anything at all. */
const hostileText = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.string({ unit: fc.constantFrom('"', ",", "\n", "\r", "\t", "\\", '""', "\u2028", "é", "ª", "µ", "×", "日", "😀", "\u0000", "\u0085", "\u007f", "\ufffe", "\ud800", "\udc00", " ", "a", "_", "(null)") }),
  fc.string(),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });

const anyExchange = fc.record({
  clientIp: fc.oneof(fc.ipV4(), fc.ipV6()),
  startedAt: fc.integer({ min: 0, max: Date.UTC(9999, 11, 31) }),
  path: fc.oneof(
    fc.constant("/uploads/podcast/600/the-changelog-600.mp3"),
    fc.string({ unit: "binary" }).map((s) => `/uploads/gotime/${s}`),
  ),
  bodyBytes: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  status: fc.integer({ min: 100, max: 599 }),
  userAgent: maybe(hostileText),
  city: maybe(hostileText),
  countryName: maybe(hostileText),
  countryCode: maybe(hostileText),
  continent: maybe(hostileText),
  latitude: maybe(fc.double({ min: -90, max: 90, noNaN: true })),
  longitude: maybe(fc.oneof(fc.double({ min: -180, max: 180, noNaN: true }), fc.double())),
});

describe("episode line, any input", () => {
  it("is one line without control characters that the importer parses into exactly 12 fields", () => {
    fc.assert(
      fc.property(anyExchange, (x) => {
        const line = lineFor(x);
        expect(line).not.toMatch(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\ud800-\udfff]/u);
        const imported = importLine(line);
        if (x.bodyBytes === 0 || x.status === 301) {
          expect(imported).toMatchObject({ kept: false });
          return;
        }
        if (!imported.kept) throw new Error(`dropped: ${imported.reason}\n${line}`);
        expect(imported.fields).toHaveLength(12);
      }),
      { numRuns: 500 },
    );
  });

  it("round-trips every user agent, city and country name, and the exact numbers", () => {
    fc.assert(
      fc.property(
        anyExchange.filter((x) => x.bodyBytes > 0 && x.status !== 301),
        (x) => {
          const imported = importLine(lineFor(x));
          if (!imported.kept) throw new Error(imported.reason);
          const { entry, fields } = imported;
          expect(entry.bytes).toBe(x.bodyBytes);
          expect(entry.status).toBe(x.status);
          expect(entry.ip).toBe(x.clientIp);
          expect(entry.agent).toBe(importedAgent(x.userAgent));
          const city = x.city ? loggedText(asciiName(x.city)) : "(null)";
          expect(entry.cityName).toBe(city === "(null)" ? "Unknown" : city);
          expect(entry.countryName).toBe(x.countryName ? loggedText(asciiName(x.countryName)) : "(null)");
          expect(fields[5]).toBe(x.userAgent ? loggedText(x.userAgent) : "(null)");
          expect(entry.latitude).toBeCloseTo(x.latitude ?? 0, 3);
          if (x.longitude === null || Math.abs(x.longitude) > 180 || !Number.isFinite(x.longitude)) {
            expect(entry.longitude).toBe(0);
          } else {
            expect(entry.longitude).toBeCloseTo(x.longitude, 3);
          }
          expect(fields[2]).toBe(csvToken(x.path));
          expect(entry.episode).toBe(csvToken(x.path).split("/")[3]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("survives a whole S3 object of such lines, each behind a syslog prefix or not", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(anyExchange, fc.boolean()), { minLength: 1, maxLength: 20 }), (rows) => {
        const body = rows
          .map(([x, prefixed]) => (prefixed ? "<134>2016-10-11T13:24:08Z cache-ord1725 S3TheChangelog[326477]: " : "") + lineFor(x))
          .join("\n");
        const results = importObject(`${body}\n`);
        expect(results).toHaveLength(rows.length);
        results.forEach((result, i) => {
          const [x] = rows[i]!;
          expect(result.kept).toBe(x.bodyBytes > 0 && x.status !== 301);
        });
      }),
      { numRuns: 300 },
    );
  });
});

/** The importer's agent rule (get_agent_with_default) on what the edge logged. */
function importedAgent(agent: string | null): string {
  if (!agent) return "Unknown";
  const text = loggedText(agent);
  return text === "(null)" || !printable(text) ? "Unknown" : text;
}

type AnyExchange = typeof anyExchange extends fc.Arbitrary<infer T> ? T : never;

function lineFor(x: AnyExchange): string {
  return episodeLine(
    exchange({
      clientIp: x.clientIp,
      startedAt: x.startedAt,
      path: x.path,
      bodyBytes: x.bodyBytes,
      status: x.status,
      userAgent: x.userAgent,
      geo: {
        ...unknownGeo,
        city: x.city,
        countryName: x.countryName,
        countryCode: x.countryCode,
        continent: x.continent,
        latitude: x.latitude,
        longitude: x.longitude,
      },
    }),
  );
}
