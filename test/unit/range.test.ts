import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  answerRange,
  contentRange,
  maxParts,
  parseContentRange,
  parseRangeHeader,
  unsatisfiedRange,
  type RangeAnswer,
  type RangeSpec,
} from "../../src/http/range.js";

const size = 1000;

// RFC 9110 §14.1.2's examples, scaled to a 1000-byte representation, plus this edge's policy.
const cases: [header: string | null, expected: RangeAnswer][] = [
  [null, { kind: "full" }],
  ["bytes=0-499", { kind: "single", range: { start: 0, end: 499 } }],
  ["bytes=500-999", { kind: "single", range: { start: 500, end: 999 } }],
  ["bytes=500-", { kind: "single", range: { start: 500, end: 999 } }],
  ["bytes=-200", { kind: "single", range: { start: 800, end: 999 } }],
  ["bytes=-5000", { kind: "single", range: { start: 0, end: 999 } }],
  ["bytes=0-0", { kind: "single", range: { start: 0, end: 0 } }],
  ["bytes=999-999", { kind: "single", range: { start: 999, end: 999 } }],
  ["bytes=0-5000", { kind: "single", range: { start: 0, end: 999 } }],
  ["bytes=900-99999999999999999999", { kind: "single", range: { start: 900, end: 999 } }],
  ["Bytes=0-1", { kind: "single", range: { start: 0, end: 1 } }],
  ["bytes=007-009", { kind: "single", range: { start: 7, end: 9 } }],
  // Unsatisfiable: a start at or past the size, a zero-length suffix.
  ["bytes=1000-", { kind: "unsatisfiable" }],
  ["bytes=1000-2000", { kind: "unsatisfiable" }],
  ["bytes=-0", { kind: "unsatisfiable" }],
  ["bytes=99999999999999999999-", { kind: "unsatisfiable" }],
  ["bytes=1000-1001, 2000-", { kind: "unsatisfiable" }],
  // Malformed or another unit: ignored.
  ["", { kind: "full", ignored: "malformed" }],
  ["bytes=", { kind: "full", ignored: "malformed" }],
  ["bytes=-", { kind: "full", ignored: "malformed" }],
  ["bytes=5-2", { kind: "full", ignored: "malformed" }],
  ["bytes=a-b", { kind: "full", ignored: "malformed" }],
  ["bytes=1-2-3", { kind: "full", ignored: "malformed" }],
  ["bytes=0-1;x", { kind: "full", ignored: "malformed" }],
  ["bytes 0-1", { kind: "full", ignored: "malformed" }],
  ["bytes=+1-2", { kind: "full", ignored: "malformed" }],
  ["bytes=0x10-20", { kind: "full", ignored: "malformed" }],
  ["items=0-1", { kind: "full", ignored: "malformed" }],
  ["bytes=0-1,5-2", { kind: "full", ignored: "malformed" }],
  ["bytes=,,", { kind: "full", ignored: "malformed" }],
  // Several ranges.
  ["bytes=0-0,-1", { kind: "multipart", ranges: [{ start: 0, end: 0 }, { start: 999, end: 999 }] }],
  ["bytes=500-599, 0-99", { kind: "multipart", ranges: [{ start: 500, end: 599 }, { start: 0, end: 99 }] }],
  ["bytes=0-1,,5-6", { kind: "multipart", ranges: [{ start: 0, end: 1 }, { start: 5, end: 6 }] }],
  ["bytes=0-1, 2000-3000", { kind: "single", range: { start: 0, end: 1 } }],
  ["bytes=0-10,5-20", { kind: "full", ignored: "overlapping" }],
  ["bytes=0-10,-995", { kind: "full", ignored: "overlapping" }],
  ["bytes=0-10,10-20", { kind: "full", ignored: "overlapping" }],
  ["bytes=0-10,11-20", { kind: "multipart", ranges: [{ start: 0, end: 10 }, { start: 11, end: 20 }] }],
];

describe("answerRange", () => {
  for (const [header, expected] of cases) {
    it(`${JSON.stringify(header)} on ${size} bytes → ${expected.kind}`, () => {
      expect(answerRange(header, size)).toEqual(expected);
    });
  }

  it("never serves a zero-length representation in part", () => {
    for (const header of ["bytes=0-", "bytes=0-0", "bytes=-1", "bytes=-0"]) {
      expect(answerRange(header, 0)).toEqual({ kind: "unsatisfiable" });
    }
  });

  it(`ignores more than ${maxParts} ranges`, () => {
    const many = Array.from({ length: maxParts + 1 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(",");
    expect(answerRange(`bytes=${many}`, size)).toEqual({ kind: "full", ignored: "too-many-parts" });
    const enough = Array.from({ length: maxParts }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(",");
    expect(answerRange(`bytes=${enough}`, size).kind).toBe("multipart");
  });

  // A reference model written from RFC 9110 §14.1.2's prose, independent of the implementation.
  const specArb = fc.oneof(
    fc.record({ kind: fc.constant("from" as const), first: fc.nat(3000), last: fc.option(fc.nat(3000), { nil: null }) }),
    fc.record({ kind: fc.constant("suffix" as const), length: fc.nat(3000) }),
  );
  const text = (s: RangeSpec) => (s.kind === "suffix" ? `-${s.length}` : `${s.first}-${s.last ?? ""}`);

  it("serves exactly the bytes one valid range-spec selects, or 416 when none", () => {
    fc.assert(
      fc.property(fc.nat(2500), specArb, (n, spec) => {
        if (spec.kind === "from" && spec.last !== null && spec.last < spec.first) return;
        const answer = answerRange(`bytes=${text(spec)}`, n);
        const all = Array.from({ length: n }, (_, i) => i);
        const selected =
          spec.kind === "suffix"
            ? spec.length === 0
              ? []
              : all.slice(Math.max(0, n - spec.length))
            : all.filter((i) => i >= spec.first && (spec.last === null || i <= spec.last));
        if (selected.length === 0) {
          expect(answer).toEqual({ kind: "unsatisfiable" });
        } else {
          expect(answer).toEqual({ kind: "single", range: { start: selected[0], end: selected[selected.length - 1] } });
        }
      }),
    );
  });

  it("never throws and only ever names bytes inside the representation", () => {
    fc.assert(
      fc.property(fc.nat(5000), fc.oneof(fc.string(), fc.string().map((s) => `bytes=${s}`)), (n, header) => {
        const answer = answerRange(header, n);
        const ranges = answer.kind === "single" ? [answer.range] : answer.kind === "multipart" ? answer.ranges : [];
        for (const r of ranges) {
          expect(r.start).toBeGreaterThanOrEqual(0);
          expect(r.end).toBeGreaterThanOrEqual(r.start);
          expect(r.end).toBeLessThan(n);
        }
        if (answer.kind === "multipart") expect(answer.ranges.length).toBeGreaterThan(1);
      }),
    );
  });

  it("parses what it formats", () => {
    fc.assert(
      fc.property(fc.array(specArb, { minLength: 1, maxLength: 5 }), (specs) => {
        const valid = specs.filter((s) => !(s.kind === "from" && s.last !== null && s.last < s.first));
        if (valid.length === 0) return;
        expect(parseRangeHeader(`bytes=${valid.map(text).join(", ")}`)).toEqual(valid);
      }),
    );
  });
});

describe("Content-Range", () => {
  it("formats 206 and 416 values", () => {
    expect(contentRange({ start: 0, end: 1 }, 1000)).toBe("bytes 0-1/1000");
    expect(unsatisfiedRange(1000)).toBe("bytes */1000");
  });

  it("reads an origin's value back", () => {
    expect(parseContentRange("bytes 0-1/1000")).toEqual({ range: { start: 0, end: 1 }, size: 1000 });
    expect(parseContentRange("bytes */1000")).toEqual({ range: null, size: 1000 });
    expect(parseContentRange("bytes 5-1/1000")).toBeNull();
    expect(parseContentRange("bytes 0-1000/1000")).toBeNull();
    expect(parseContentRange("bytes 0-1/*")).toBeNull();
    expect(parseContentRange(null)).toBeNull();
  });

  it("round-trips every valid range", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), fc.nat(), fc.nat(), (n, a, b) => {
        const start = a % n;
        const end = start + (b % (n - start));
        expect(parseContentRange(contentRange({ start, end }, n))).toEqual({ range: { start, end }, size: n });
      }),
    );
  });
});
