// How an answer about a stored assets object is delivered within the execution budget
// (src/config/limits.ts): the bytes of one cache entry leave on the host, without the program,
// which ends at once; bytes the program writes itself (several entries one after another, or
// multipart text between them) cost CPU per byte and keep the execution alive for the whole
// transfer, so only small bodies are written that way. Pure: docs/mp3.md, "Bytes on the host".
//
// - one slice of one segment: that entry's body, on the host;
// - a small body over several pieces (≤ `writtenBodyBytes`): written by the program;
// - a larger single range over several segments: a shorter 206, up to the end of the segment it
//   starts in (RFC 9110 §14.1.2 lets the server send less than asked; §15.3.7 the 206 says what
//   it holds); players and browsers ask for the rest, each answer one entry on the host;
// - a larger 200 over several segments: the client's own request passed to the origin, whose
//   body is one host body too; the segments are left to range readers;
// - a larger multipart body: its ranges are ignored (§14.2) and the 200 follows the rules above.

import type { AssetAnswer } from "../http/asset-answer.js";
import { contentRange, rangeLength, type ByteRange } from "../http/range.js";
import type { StoredObject } from "./asset-object.js";
import { planBody, planLength, segmentRange, type PlannedPiece, type SegmentSlice } from "./segments.js";

/**
 * Bytes the program may write itself for one answer: at the ~5 ms of CPU per MB measured for a
 * body written in JavaScript (docs/mp3.md), 1 MiB keeps it near a tenth of the 50 ms an
 * execution may use.
 */
export const writtenBodyBytes = 1024 * 1024;

export type ContentAnswer = Extract<AssetAnswer, { kind: "content" }>;

export type AssetDelivery =
  /** HEAD, or an empty object: headers only. */
  | { readonly kind: "empty"; readonly answer: ContentAnswer }
  /** One slice of one segment, sent by the host. `answer` may be a shorter 206 than asked. */
  | { readonly kind: "slice"; readonly answer: ContentAnswer; readonly slice: SegmentSlice; readonly bounded: boolean }
  /** Several pieces written by the program; at most `writtenBodyBytes`. */
  | { readonly kind: "written"; readonly answer: ContentAnswer; readonly plan: readonly PlannedPiece[] }
  /** A 200 over several segments: the client's own request, passed to the origin. */
  | { readonly kind: "origin"; readonly reason: "spans-segments" };

export function deliveryFor(answer: ContentAnswer, object: StoredObject, wholeAnswer: () => ContentAnswer): AssetDelivery {
  const plan = planBody(answer.pieces, object.size, object.segment);
  if (plan.length === 0) return { kind: "empty", answer };
  if (plan.length === 1) return { kind: "slice", answer, slice: plan[0] as SegmentSlice, bounded: false };
  if (planLength(plan) <= writtenBodyBytes) return { kind: "written", answer, plan };
  const single = answer.pieces.length === 1 ? answer.pieces[0] : undefined;
  if (answer.status === 206 && single?.kind === "bytes") {
    const range = boundedRange(single.range, object);
    const bounded: ContentAnswer = {
      ...answer,
      headers: { ...answer.headers, "content-range": contentRange(range, object.size), "content-length": String(rangeLength(range)) },
      pieces: [{ kind: "bytes", range }],
    };
    return { kind: "slice", answer: bounded, slice: planBody(bounded.pieces, object.size, object.segment)[0] as SegmentSlice, bounded: true };
  }
  if (answer.status === 206) return deliveryFor({ ...wholeAnswer(), rangeIgnored: "multipart-size" }, object, wholeAnswer);
  return { kind: "origin", reason: "spans-segments" };
}

/** `range` cut at the end of the segment it starts in. */
export function boundedRange(range: ByteRange, object: StoredObject): ByteRange {
  const held = segmentRange(Math.floor(range.start / object.segment), object.size, object.segment);
  return { start: range.start, end: Math.min(range.end, held.end) };
}
