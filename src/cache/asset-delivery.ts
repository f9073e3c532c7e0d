// How an answer about a stored assets object is delivered within the execution limits
// (src/config/limits.ts). In js-compute 3.46 a Core Cache entry's body is never handed to the
// host: the runtime reads it into JavaScript 8 KiB at a time and writes it out, costing vCPU per
// byte and keeping the execution alive until the client has nearly all of it (docs/mp3.md,
// "Bytes through JavaScript"). Only an origin response's body leaves on the host. So:
//
// - a body of at most `writtenBodyBytes` (1 MiB) is written from the store (one or two segments, or
//   multipart text between them);
// - a larger single range is a shorter 206 of `writtenBodyBytes` from where it starts (RFC 9110
//   §14.1.2 lets a server send less than asked and §15.3.7 has the 206 say what it holds);
//   players and browsers ask for the rest;
// - a larger 200 is the origin's body through Fastly's HTTP cache, on the host
//   (src/engine/assets.ts, `wholeFromHttpCache`);
// - a larger multipart answer has its ranges ignored (§14.2) and becomes that 200.
// Pure.

import type { AssetAnswer } from "../http/asset-answer.js";
import { contentRange, rangeLength, type ByteRange } from "../http/range.js";
import type { StoredObject } from "./asset-object.js";
import { planBody, planLength, type PlannedPiece } from "./segments.js";

/**
 * The most an answer from the store carries: 1 MiB. Measured under Viceroy on this project's
 * 2-core machine (request-log `cpu_ms`): a 2 MiB answer from the store cost 21-43 ms of vCPU
 * cached and 62 ms cold (against 7 ms for /health), over the 50 ms an execution may use; 1 MiB
 * halves the per-byte share. A player reading at 128 kbit/s (16 KB/s) takes it in about a minute,
 * half of Compute's runtime limit.
 */
export const writtenBodyBytes = 1024 * 1024;

export type ContentAnswer = Extract<AssetAnswer, { kind: "content" }>;

export type AssetDelivery =
  /** HEAD, or an empty object: headers only. */
  | { readonly kind: "empty"; readonly answer: ContentAnswer }
  /** Written from the store, at most `writtenBodyBytes`; `bounded` when shorter than asked. */
  | { readonly kind: "written"; readonly answer: ContentAnswer; readonly plan: readonly PlannedPiece[]; readonly bounded: boolean }
  /** A 200 larger than an answer may be: the origin's body, through the HTTP cache. */
  | { readonly kind: "whole"; readonly reason: "larger-than-an-answer" };

export function deliveryFor(answer: ContentAnswer, object: StoredObject, wholeAnswer: () => ContentAnswer): AssetDelivery {
  const plan = planBody(answer.pieces, object.size, object.segment);
  if (plan.length === 0) return { kind: "empty", answer };
  if (planLength(plan) <= writtenBodyBytes) return { kind: "written", answer, plan, bounded: false };
  const single = answer.pieces.length === 1 ? answer.pieces[0] : undefined;
  if (answer.status === 206 && single?.kind === "bytes") {
    const range = boundedRange(single.range);
    const bounded: ContentAnswer = {
      ...answer,
      headers: { ...answer.headers, "content-range": contentRange(range, object.size), "content-length": String(rangeLength(range)) },
      pieces: [{ kind: "bytes", range }],
    };
    return { kind: "written", answer: bounded, plan: planBody(bounded.pieces, object.size, object.segment), bounded: true };
  }
  if (answer.status === 206) return deliveryFor({ ...wholeAnswer(), rangeIgnored: "multipart-size" }, object, wholeAnswer);
  return { kind: "whole", reason: "larger-than-an-answer" };
}

/** The first `writtenBodyBytes` of `range`. */
export function boundedRange(range: ByteRange): ByteRange {
  return { start: range.start, end: Math.min(range.end, range.start + writtenBodyBytes - 1) };
}
