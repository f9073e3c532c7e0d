// Byte ranges (RFC 9110 §14): parsing a Range header and deciding what a GET for a
// representation of a known size is answered with. Pure; positions are inclusive, as on the wire.
//
// Policy for this edge (spec "MP3s and byte ranges"):
// - one satisfiable range: 206 with exactly those bytes, an end past the size clamped (§14.1.2);
// - a syntactically invalid header or another range unit: ignored, the full 200 (§14.2 lets a
//   server ignore Range);
// - valid but nothing satisfiable: 416 with `Content-Range: bytes */size` (§15.5.17);
// - several ranges: unsatisfiable ones are dropped (§14.1.1); one left is a plain 206 (§15.3.7.1:
//   a single part is never sent as multipart); up to `maxParts` non-overlapping ranges are sent as
//   `multipart/byteranges` in the order asked (§14.6); overlapping or too many ranges are ignored
//   and the full 200 is sent (§14.2 allows it and names both as denial-of-service patterns).

/** An inclusive byte range within a representation: `start <= end < size`. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** One range-spec as written: `first-last`, `first-` or `-suffix`. */
export type RangeSpec =
  | { readonly kind: "from"; readonly first: number; readonly last: number | null }
  | { readonly kind: "suffix"; readonly length: number };

/** More parts than this in one request are not worth a multipart answer. */
export const maxParts = 16;

/**
 * The range-specs of a `Range` value (RFC 9110 §14.1.1, §14.2), or null when the value is absent,
 * uses a unit other than `bytes`, or is not valid syntax (an empty set, `5-2`, stray text).
 * Empty list elements and whitespace around commas are allowed, as for any #rule list (§5.6.1).
 */
export function parseRangeHeader(value: string | null): RangeSpec[] | null {
  if (value === null) return null;
  const match = /^[ \t]*bytes=(.*)$/i.exec(value);
  if (!match) return null;
  const specs: RangeSpec[] = [];
  for (const element of match[1]!.split(",")) {
    const text = element.trim();
    if (text === "") continue;
    const spec = /^(\d*)-(\d*)$/.exec(text);
    if (!spec) return null;
    const [, first, last] = spec as unknown as [string, string, string];
    if (first === "" && last === "") return null;
    if (first === "") {
      specs.push({ kind: "suffix", length: Number(last) });
    } else {
      const from = Number(first);
      const to = last === "" ? null : Number(last);
      if (to !== null && to < from) return null;
      specs.push({ kind: "from", first: from, last: to });
    }
  }
  return specs.length > 0 ? specs : null;
}

/** The bytes a spec selects from a representation of `size` bytes, or null if unsatisfiable (§14.1.2). */
export function resolveSpec(spec: RangeSpec, size: number): ByteRange | null {
  if (spec.kind === "suffix") {
    if (spec.length === 0 || size === 0) return null;
    return { start: Math.max(0, size - spec.length), end: size - 1 };
  }
  if (spec.first >= size) return null;
  return { start: spec.first, end: spec.last === null ? size - 1 : Math.min(spec.last, size - 1) };
}

export type RangeAnswer =
  /** 200 with the whole representation; `ignored` says why a Range header was not honoured. */
  | { readonly kind: "full"; readonly ignored?: "malformed" | "overlapping" | "too-many-parts" }
  /** 206 with one Content-Range. */
  | { readonly kind: "single"; readonly range: ByteRange }
  /** 206 multipart/byteranges, parts in the order asked. */
  | { readonly kind: "multipart"; readonly ranges: readonly ByteRange[] }
  /** 416 with a Content-Range naming only the size (see `unsatisfiedRange`). */
  | { readonly kind: "unsatisfiable" };

/** What a GET with this Range value is answered with, for a representation of `size` bytes. */
export function answerRange(value: string | null, size: number): RangeAnswer {
  if (value === null) return { kind: "full" };
  const specs = parseRangeHeader(value);
  if (!specs) return { kind: "full", ignored: "malformed" };
  const ranges = specs.map((s) => resolveSpec(s, size)).filter((r): r is ByteRange => r !== null);
  if (ranges.length === 0) return { kind: "unsatisfiable" };
  if (ranges.length === 1) return { kind: "single", range: ranges[0]! };
  if (ranges.length > maxParts) return { kind: "full", ignored: "too-many-parts" };
  if (overlapping(ranges)) return { kind: "full", ignored: "overlapping" };
  return { kind: "multipart", ranges };
}

function overlapping(ranges: readonly ByteRange[]): boolean {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.start <= sorted[i - 1]!.end) return true;
  }
  return false;
}

/** `Content-Range` of a 206 part (§14.4). */
export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}

/** `Content-Range` of a 416: an asterisk, then the complete length (§14.4). */
export function unsatisfiedRange(size: number): string {
  return `bytes */${size}`;
}

/** The length of a range in bytes. */
export function rangeLength(range: ByteRange): number {
  return range.end - range.start + 1;
}

/**
 * The `Content-Range` of an origin's 206 or 416, as numbers: a range and size, or only the size.
 * Null when absent or not understood (an unknown complete length `*` included).
 */
export function parseContentRange(value: string | null): { range: ByteRange | null; size: number } | null {
  if (value === null) return null;
  const match = /^[ \t]*bytes[ \t]+(?:(\d+)-(\d+)|\*)\/(\d+)[ \t]*$/i.exec(value);
  if (!match) return null;
  const size = Number(match[3]);
  if (match[1] === undefined) return { range: null, size };
  const range = { start: Number(match[1]), end: Number(match[2]) };
  if (range.end < range.start || range.end >= size) return null;
  return { range, size };
}
