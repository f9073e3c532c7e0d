// The segmented asset store's arithmetic: an object of `size` bytes is kept in Core Cache as
// fixed-size segments (the last one shorter); a response body (one range, or the pieces of a
// multipart/byteranges) becomes an ordered plan of literal text and slices of segments. Also the
// cache keys: one entry for the object's metadata, one per segment of one version of the object.
// Pure; every position is an inclusive byte offset.

import type { BodyPiece } from "../http/multipart.js";
import type { ByteRange } from "../http/range.js";

const MiB = 1024 * 1024;

/**
 * Segment size: 2 MiB, recorded with each object (StoredObject.segment) so that a later change
 * never mixes cuts. No answer from the store is larger than 2 MiB (src/cache/asset-delivery.ts),
 * so an answer touches at most two segments: at most three origin requests on a cold object,
 * with the first, far inside the 32 an execution may make. Measured under Viceroy
 * (`npm run bench -- --sweep`, docs/mp3.md): a seek into a cold segment waits for the bytes
 * before it in that segment to arrive from the origin (mean cold-seek time to first byte 12 ms at
 * 1 MiB, 18-20 ms at 2 MiB, 29 ms at 4 MiB, 30-43 ms at 8 MiB).
 */
export const segmentBytes = 2 * MiB;

/** A slice of one segment: `start`/`end` are offsets inside the segment, inclusive. */
export interface SegmentSlice {
  readonly kind: "segment";
  readonly index: number;
  readonly start: number;
  readonly end: number;
}

/** Literal bytes of the body (multipart delimiters). */
export interface TextPiece {
  readonly kind: "text";
  readonly text: string;
}

export type PlannedPiece = TextPiece | SegmentSlice;

export function segmentCount(size: number, segment: number): number {
  return Math.ceil(size / segment);
}

/** Absolute bytes held by segment `index` of an object of `size` bytes. */
export function segmentRange(index: number, size: number, segment: number): ByteRange {
  const start = index * segment;
  return { start, end: Math.min(size, start + segment) - 1 };
}

export function segmentLength(index: number, size: number, segment: number): number {
  const range = segmentRange(index, size, segment);
  return range.end - range.start + 1;
}

export function segmentIndexOf(offset: number, segment: number): number {
  return Math.floor(offset / segment);
}

/** The segment slices that together hold exactly `range`, in order. */
export function slicesOf(range: ByteRange, size: number, segment: number): SegmentSlice[] {
  const slices: SegmentSlice[] = [];
  for (let index = segmentIndexOf(range.start, segment); index <= segmentIndexOf(range.end, segment); index++) {
    const held = segmentRange(index, size, segment);
    slices.push({
      kind: "segment",
      index,
      start: Math.max(range.start, held.start) - held.start,
      end: Math.min(range.end, held.end) - held.start,
    });
  }
  return slices;
}

/** A response body as the ordered pieces the store serves it from. */
export function planBody(pieces: readonly BodyPiece[], size: number, segment: number): PlannedPiece[] {
  const plan: PlannedPiece[] = [];
  for (const piece of pieces) {
    if (piece.kind === "text") plan.push(piece);
    else plan.push(...slicesOf(piece.range, size, segment));
  }
  return plan;
}

/** The distinct segments a plan reads, in the order it first reads them. */
export function segmentsOf(plan: readonly PlannedPiece[]): number[] {
  const seen = new Set<number>();
  for (const piece of plan) if (piece.kind === "segment") seen.add(piece.index);
  return [...seen];
}

/** Bytes a plan produces. */
export function planLength(plan: readonly PlannedPiece[]): number {
  let length = 0;
  for (const piece of plan) length += piece.kind === "text" ? piece.text.length : piece.end - piece.start + 1;
  return length;
}

/**
 * Which version of an object segments belong to: its ETag, else its Last-Modified and size.
 * Null when the origin gave neither validator; such an object is never segmented, because two
 * versions could not be told apart.
 */
export function objectVersion(etag: string | null, lastModified: string | null, size: number): string | null {
  if (etag) return `etag:${etag}`;
  if (lastModified) return `lm:${lastModified}:${size}`;
  return null;
}

/** Core Cache keys of the store. The format carries a version so a change of layout never mixes. */
export const storeKeys = {
  /** The object's metadata (size, validators, headers) or a stored non-2xx answer. */
  object: (objectKey: string) => `asset-object v1 ${objectKey}`,
  /**
   * One segment of one version of the object. The segment size is part of the key, so a change
   * of `segmentBytes` never reads a segment cut at another size.
   */
  segment: (objectKey: string, version: string, index: number, segment: number) =>
    `asset-segment v1 ${segment} ${index} ${version} ${objectKey}`,
};

/** Core Cache keys are at most 4 KiB (Fastly and Viceroy; js-compute checks 8135 characters): longer ones pass. */
export const maxKeyLength = 4000;
