import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  entityTagList,
  evaluatePreconditions,
  ifRangeHolds,
  parseHttpDate,
  strongMatch,
  weakMatch,
  type Validators,
} from "../../src/http/conditional.js";

const lastModified = "Wed, 21 Oct 2015 07:28:00 GMT";
const current: Validators = { etag: '"v2"', lastModified };
const h = (init: Record<string, string>) => new Headers(init);

describe("HTTP-date (RFC 9110 §5.6.7)", () => {
  it("reads the three formats as the same instant", () => {
    const instant = Date.UTC(1994, 10, 6, 8, 49, 37) / 1000;
    expect(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT")).toBe(instant);
    expect(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT")).toBe(instant);
    expect(parseHttpDate("Sun Nov  6 08:49:37 1994")).toBe(instant);
  });

  it("rejects anything else", () => {
    for (const bad of ["", "yesterday", "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 31 Feb 1994 08:49:37 GMT", "1994-11-06T08:49:37Z", "Sun, 06 Nov 1994 25:49:37 GMT"]) {
      expect(parseHttpDate(bad)).toBeNull();
    }
  });

  it("agrees with the IMF-fixdate the platform writes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4102444800 }), (seconds) => {
        expect(parseHttpDate(new Date(seconds * 1000).toUTCString())).toBe(seconds);
      }),
    );
  });
});

describe("entity-tag comparison (RFC 9110 §8.8.3.2)", () => {
  // The RFC's own table.
  const table: [string, string, boolean, boolean][] = [
    ['W/"1"', 'W/"1"', false, true],
    ['W/"1"', 'W/"2"', false, false],
    ['W/"1"', '"1"', false, true],
    ['"1"', '"1"', true, true],
  ];
  for (const [a, b, strong, weak] of table) {
    it(`${a} vs ${b}: strong ${strong}, weak ${weak}`, () => {
      expect(strongMatch(a, b)).toBe(strong);
      expect(weakMatch(a, b)).toBe(weak);
    });
  }

  it("splits lists without breaking quoted tags and drops junk", () => {
    expect(entityTagList('"a", W/"b",junk, "c,d"')).toEqual(['"a"', 'W/"b"', '"c,d"']);
    expect(entityTagList(" * ")).toBe("*");
  });
});

describe("evaluatePreconditions (RFC 9110 §13.2.2)", () => {
  const cases: [string, Record<string, string>, string][] = [
    ["no conditionals", {}, "proceed"],
    ["If-None-Match with the current tag", { "if-none-match": '"v2"' }, "not-modified"],
    ["If-None-Match in a list", { "if-none-match": '"v1", "v2"' }, "not-modified"],
    ["If-None-Match with a weak form of the tag (weak comparison)", { "if-none-match": 'W/"v2"' }, "not-modified"],
    ["If-None-Match: *", { "if-none-match": "*" }, "not-modified"],
    ["If-None-Match with an old tag", { "if-none-match": '"v1"' }, "proceed"],
    ["If-Modified-Since equal to Last-Modified", { "if-modified-since": lastModified }, "not-modified"],
    ["If-Modified-Since after Last-Modified", { "if-modified-since": "Thu, 22 Oct 2015 07:28:00 GMT" }, "not-modified"],
    ["If-Modified-Since before Last-Modified", { "if-modified-since": "Tue, 20 Oct 2015 07:28:00 GMT" }, "proceed"],
    ["If-Modified-Since not a date", { "if-modified-since": "last tuesday" }, "proceed"],
    [
      "If-None-Match wins over If-Modified-Since (mismatching tag, matching date)",
      { "if-none-match": '"v1"', "if-modified-since": lastModified },
      "proceed",
    ],
    [
      "If-None-Match wins over If-Modified-Since (matching tag, older date)",
      { "if-none-match": '"v2"', "if-modified-since": "Tue, 20 Oct 2015 07:28:00 GMT" },
      "not-modified",
    ],
    ["If-Match with the current tag", { "if-match": '"v2"' }, "proceed"],
    ["If-Match: *", { "if-match": "*" }, "proceed"],
    ["If-Match with an old tag", { "if-match": '"v1"' }, "failed"],
    ["If-Match with a weak tag (strong comparison)", { "if-match": 'W/"v2"' }, "failed"],
    ["If-Unmodified-Since before Last-Modified", { "if-unmodified-since": "Tue, 20 Oct 2015 07:28:00 GMT" }, "failed"],
    ["If-Unmodified-Since at Last-Modified", { "if-unmodified-since": lastModified }, "proceed"],
    [
      "If-Unmodified-Since is ignored when If-Match is present",
      { "if-match": '"v2"', "if-unmodified-since": "Tue, 20 Oct 2015 07:28:00 GMT" },
      "proceed",
    ],
    ["If-Match fails before If-None-Match is looked at", { "if-match": '"v1"', "if-none-match": '"v2"' }, "failed"],
  ];
  for (const [name, headers, kind] of cases) {
    it(`${name}: ${kind}`, () => {
      expect(evaluatePreconditions("GET", h(headers), current).kind).toBe(kind);
      expect(evaluatePreconditions("HEAD", h(headers), current).kind).toBe(kind);
    });
  }

  it("ignores date conditions on a representation without Last-Modified", () => {
    const noDate: Validators = { etag: '"v2"', lastModified: null };
    expect(evaluatePreconditions("GET", h({ "if-modified-since": lastModified }), noDate).kind).toBe("proceed");
    expect(evaluatePreconditions("GET", h({ "if-unmodified-since": "Tue, 20 Oct 2015 07:28:00 GMT" }), noDate).kind).toBe("proceed");
  });

  it("never answers 304 to an If-None-Match that names only other tags", () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z0-9]{1,8}$/), { maxLength: 4 }), (tags) => {
        const others = tags.filter((t) => t !== "v2").map((t) => `"${t}"`);
        if (others.length === 0) return;
        expect(evaluatePreconditions("GET", h({ "if-none-match": others.join(", ") }), current).kind).toBe("proceed");
        expect(evaluatePreconditions("GET", h({ "if-none-match": [...others, '"v2"'].join(", ") }), current).kind).toBe(
          "not-modified",
        );
      }),
    );
  });
});

describe("If-Range (RFC 9110 §13.1.5)", () => {
  it("holds without If-Range", () => expect(ifRangeHolds(null, current)).toBe(true));
  it("holds for the current strong tag", () => expect(ifRangeHolds('"v2"', current)).toBe(true));
  it("fails for an old tag", () => expect(ifRangeHolds('"v1"', current)).toBe(false));
  it("fails for a weak tag, even the current one", () => expect(ifRangeHolds('W/"v2"', current)).toBe(false));
  it("fails against a weak current tag", () => expect(ifRangeHolds('"v2"', { etag: 'W/"v2"', lastModified })).toBe(false));
  it("holds for exactly Last-Modified", () => expect(ifRangeHolds(lastModified, current)).toBe(true));
  it("holds for Last-Modified in another date format", () =>
    expect(ifRangeHolds("Wednesday, 21-Oct-15 07:28:00 GMT", current)).toBe(true));
  it("fails for a later date (not an exact match)", () =>
    expect(ifRangeHolds("Thu, 22 Oct 2015 07:28:00 GMT", current)).toBe(false));
  it("fails for junk", () => expect(ifRangeHolds("soon", current)).toBe(false));
  it("fails for a date when there is no Last-Modified", () =>
    expect(ifRangeHolds(lastModified, { etag: '"v2"', lastModified: null })).toBe(false));
});
