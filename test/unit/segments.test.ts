import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { writtenBodyBytes } from "../../src/cache/asset-delivery.js";
import { computeLimits } from "../../src/config/limits.js";
import {
  objectVersion,
  planBody,
  planLength,
  segmentBytes,
  segmentCount,
  segmentLength,
  segmentRange,
  segmentsOf,
  slicesOf,
  storeKeys,
  type PlannedPiece,
} from "../../src/cache/segments.js";
import { multipartLayout, textBytes, type BodyPiece } from "../../src/http/multipart.js";
import { answerRange, type ByteRange } from "../../src/http/range.js";

/** A stand-in object: every byte a function of its offset. */
function objectOf(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 8) * 7) & 0xff;
  return bytes;
}

/** Serves a plan the way the store does: text as is, each slice read from its own segment only. */
function serve(plan: readonly PlannedPiece[], object: Uint8Array, segment: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const piece of plan) {
    if (piece.kind === "text") {
      parts.push(textBytes(piece.text));
      continue;
    }
    const held = segmentRange(piece.index, object.length, segment);
    const stored = object.subarray(held.start, held.end + 1);
    if (!(piece.start >= 0 && piece.start <= piece.end && piece.end < stored.length)) {
      throw new Error(`slice ${JSON.stringify(piece)} outside its ${stored.length}-byte segment`);
    }
    parts.push(stored.subarray(piece.start, piece.end + 1));
  }
  return concat(parts);
}

/** The body the pieces stand for, read straight from the object (no segments involved). */
function reference(pieces: readonly BodyPiece[], object: Uint8Array): Uint8Array {
  return concat(pieces.map((p) => (p.kind === "text" ? textBytes(p.text) : object.subarray(p.range.start, p.range.end + 1))));
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Segments that overlap any of the ranges, by brute force over every segment. */
function segmentsTouching(ranges: readonly ByteRange[], size: number, segment: number): number[] {
  const all = Array.from({ length: segmentCount(size, segment) }, (_, i) => i);
  return all.filter((i) => {
    const held = segmentRange(i, size, segment);
    return ranges.some((r) => r.start <= held.end && r.end >= held.start);
  });
}

describe("segment arithmetic", () => {
  it("cuts an object into full segments and a shorter last one", () => {
    expect(segmentCount(25, 10)).toBe(3);
    expect(segmentCount(30, 10)).toBe(3);
    expect(segmentCount(0, 10)).toBe(0);
    expect(segmentRange(2, 25, 10)).toEqual({ start: 20, end: 24 });
    expect(segmentLength(2, 25, 10)).toBe(5);
    expect(segmentLength(1, 30, 10)).toBe(10);
  });

  it("slices a range that crosses segment boundaries", () => {
    expect(slicesOf({ start: 5, end: 24 }, 25, 10)).toEqual([
      { kind: "segment", index: 0, start: 5, end: 9 },
      { kind: "segment", index: 1, start: 0, end: 9 },
      { kind: "segment", index: 2, start: 0, end: 4 },
    ]);
    expect(slicesOf({ start: 10, end: 10 }, 25, 10)).toEqual([{ kind: "segment", index: 1, start: 0, end: 0 }]);
  });

  it("keys segments by object, version, size and index, so versions never mix", () => {
    const a = storeKeys.segment("cdn.changelog.com/a.mp3", objectVersion('"1"', null, 10)!, 0, segmentBytes);
    const b = storeKeys.segment("cdn.changelog.com/a.mp3", objectVersion('"2"', null, 10)!, 0, segmentBytes);
    const c = storeKeys.segment("cdn.changelog.com/a.mp3", objectVersion('"1"', null, 10)!, 0, 1024);
    expect(new Set([a, b, c, storeKeys.object("cdn.changelog.com/a.mp3")]).size).toBe(4);
    expect(objectVersion(null, "Wed, 21 Oct 2015 07:28:00 GMT", 10)).toBe("lm:Wed, 21 Oct 2015 07:28:00 GMT:10");
    expect(objectVersion(null, null, 10)).toBeNull();
  });
});

describe("planBody: the bytes served are the bytes asked for", () => {
  const sizes = fc.integer({ min: 1, max: 20_000 });
  const segmentSizes = fc.integer({ min: 1, max: 3_000 });
  const specs = fc.array(
    fc.oneof(
      fc.tuple(fc.nat(25_000), fc.option(fc.nat(25_000), { nil: null })).map(([a, b]) =>
        b === null ? `${a}-` : `${Math.min(a, b)}-${Math.max(a, b)}`,
      ),
      fc.nat(25_000).map((n) => `-${n}`),
    ),
    { minLength: 1, maxLength: 6 },
  );

  it("for random sizes, segment sizes and Range headers", () => {
    fc.assert(
      fc.property(sizes, segmentSizes, specs, (size, segment, list) => {
        const object = objectOf(size);
        const answer = answerRange(`bytes=${list.join(",")}`, size);
        let pieces: BodyPiece[];
        let ranges: ByteRange[];
        if (answer.kind === "unsatisfiable") return;
        if (answer.kind === "full") ranges = [{ start: 0, end: size - 1 }];
        else if (answer.kind === "single") ranges = [answer.range];
        else ranges = [...answer.ranges];
        if (answer.kind === "multipart") {
          pieces = [...multipartLayout(ranges, size, "audio/mpeg", "b0undary").pieces];
        } else {
          pieces = [{ kind: "bytes", range: ranges[0]! }];
        }
        const plan = planBody(pieces, size, segment);
        const served = serve(plan, object, segment);
        expect(Buffer.from(served).equals(Buffer.from(reference(pieces, object)))).toBe(true);
        expect(planLength(plan)).toBe(served.length);
        // Exactly the segments that hold asked-for bytes, each once, in the order first needed.
        expect([...segmentsOf(plan)].sort((a, b) => a - b)).toEqual(segmentsTouching(ranges, size, segment));
        const firstUse = plan.filter((p) => p.kind === "segment").map((p) => (p as { index: number }).index);
        expect(segmentsOf(plan)).toEqual([...new Set(firstUse)]);
      }),
      { numRuns: 300 },
    );
  });

  it("for a single range, every slice but the first starts and every slice but the last ends on a boundary", () => {
    fc.assert(
      fc.property(sizes, segmentSizes, fc.nat(), fc.nat(), (size, segment, a, b) => {
        const start = a % size;
        const end = start + (b % (size - start));
        const slices = slicesOf({ start, end }, size, segment);
        slices.forEach((s, i) => {
          if (i > 0) expect(s.start).toBe(0);
          if (i < slices.length - 1) expect(s.end).toBe(segmentLength(s.index, size, segment) - 1);
          if (i > 0) expect(s.index).toBe(slices[i - 1]!.index + 1);
        });
      }),
    );
  });
});

describe("segmentBytes: sized for the execution budget", () => {
  it("an answer of at most writtenBodyBytes touches at most two segments", () => {
    expect(writtenBodyBytes).toBeLessThanOrEqual(segmentBytes);
    for (const start of [0, 1, segmentBytes - 1, 5 * segmentBytes + 17]) {
      const slices = slicesOf({ start, end: start + writtenBodyBytes - 1 }, 100 * segmentBytes, segmentBytes);
      expect(slices.length).toBeLessThanOrEqual(2);
    }
  });

  it("stays under the 100 MB Fastly keeps per cached object", () => {
    expect(segmentBytes).toBeLessThan(computeLimits.cachedObjectBytes);
  });
});
