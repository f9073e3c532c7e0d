// Origin requests predicted from the pure planner, without running anything: what the assets
// path (src/edge/assets.ts) asks of the origin for a sequence of requests on one object when every
// origin answer is healthy. The bench prints it beside what it measured under Viceroy for the
// 120 MB and 300 MB fixtures (they must agree, or this model is wrong) and alone for sizes the
// local R2 does not hold (1 GB). A model of the shell's decisions, kept to the ones that cost
// origin requests:
//
// - no object entry yet, a GET without Range: one request for the whole object, which teaches the
//   store the object (`learnWhole`) and is the client's answer; an object small enough to be an
//   answer from the store is kept as its one segment on the way;
// - no object entry yet, otherwise: one ranged request for the segment the answer starts in
//   (where the first range begins, else segment 0; `firstWantedSegment`), which brings it;
// - `deliveryFor` (src/cache/asset-delivery.ts) says `whole`: one request for the whole object
//   (through the HTTP cache in production, where a second one is a hit; Viceroy has no HTTP
//   cache, so here every one reaches the origin);
// - `written`: one request per segment of the plan not stored yet.
// Revalidation, retries, repairs and concurrent clients are not modelled.

import type { StoredObject } from "../../src/cache/asset-object.js";
import { deliveryFor, writtenBodyBytes, type ContentAnswer } from "../../src/cache/asset-delivery.js";
import { planLength, segmentBytes, segmentIndexOf, segmentsOf } from "../../src/cache/segments.js";
import { cacheTimes } from "../../src/config/cache-times.js";
import { answerAsset } from "../../src/http/asset-answer.js";
import { parseContentRange, parseRangeHeader } from "../../src/http/range.js";

export interface PlannedAnswer {
  readonly status: number;
  readonly contentRange: string | null;
  /** Body bytes of the answer. */
  readonly bytes: number;
  /** Origin requests this one request makes. */
  readonly originRequests: number;
  readonly delivery: "empty" | "written" | "whole" | "other";
}

/** One object at the edge, from a cold cache on: feed it requests in order. */
export class PlannedObject {
  private readonly object: StoredObject;
  private known = false;
  private readonly stored = new Set<number>();

  constructor(readonly size: number, segment = segmentBytes) {
    this.object = {
      kind: "object",
      size,
      etag: '"bench"',
      lastModified: null,
      version: 'etag:"bench"',
      segment,
      headers: { "content-type": "audio/mpeg" },
      times: cacheTimes.assets,
      surrogateKeys: [],
    };
  }

  get(headers: Record<string, string> = {}, method: "GET" | "HEAD" = "GET"): PlannedAnswer {
    const request = new Headers(headers);
    let originRequests = 0;
    if (!this.known && method === "GET" && !request.has("range")) {
      this.known = true;
      const small = this.size > 0 && this.size <= writtenBodyBytes && this.size <= this.object.segment;
      if (!small) return { status: 200, contentRange: null, bytes: this.size, originRequests: 1, delivery: "whole" };
      this.stored.add(0);
      return { status: 200, contentRange: null, bytes: this.size, originRequests: 1, delivery: "written" };
    }
    if (!this.known) {
      // The object's metadata comes with the segment the answer starts in.
      originRequests += 1;
      this.known = true;
      const want = firstWantedSegment(request, method, this.object.segment);
      if (want * this.object.segment < this.size) this.stored.add(want);
    }
    const boundary = () => "bench";
    const asked = answerAsset(method, request, this.object, boundary);
    if (asked.kind !== "content") return { status: asked.status, contentRange: null, bytes: 0, originRequests, delivery: "other" };
    const whole = () => {
      const without = new Headers(request);
      without.delete("range");
      return answerAsset(method, without, this.object, boundary) as ContentAnswer;
    };
    const delivery = deliveryFor(asked, this.object, whole);
    if (delivery.kind === "whole") return { status: 200, contentRange: null, bytes: this.size, originRequests: originRequests + 1, delivery: "whole" };
    const contentRange = delivery.answer.headers["content-range"] ?? null;
    if (delivery.kind === "empty") return { status: delivery.answer.status, contentRange, bytes: 0, originRequests, delivery: "empty" };
    for (const index of segmentsOf(delivery.plan)) {
      if (this.stored.has(index)) continue;
      this.stored.add(index);
      originRequests += 1;
    }
    return { status: delivery.answer.status, contentRange, bytes: planLength(delivery.plan), originRequests, delivery: "written" };
  }
}

/** src/edge/assets.ts `firstWantedSegment`: where the first range begins, else segment 0. */
function firstWantedSegment(headers: Headers, method: string, segment: number): number {
  if (method !== "GET") return 0;
  const first = parseRangeHeader(headers.get("range"))?.[0];
  return first && first.kind === "from" ? segmentIndexOf(first.first, segment) : 0;
}

/** Totals of a planned sequence: origin requests in all, the most one request made, requests. */
export interface PlannedTotals {
  readonly requests: number;
  readonly originRequests: number;
  readonly maxPerRequest: number;
  readonly bytes: number;
}

function totals(answers: readonly PlannedAnswer[]): PlannedTotals {
  return {
    requests: answers.length,
    originRequests: answers.reduce((n, a) => n + a.originRequests, 0),
    maxPerRequest: Math.max(0, ...answers.map((a) => a.originRequests)),
    bytes: answers.reduce((n, a) => n + a.bytes, 0),
  };
}

/** A cold GET of the whole object. */
export function plannedFullGet(size: number): PlannedTotals {
  return totals([new PlannedObject(size).get()]);
}

/** A cold `Range: bytes=0-`. */
export function plannedOpenRange(size: number): PlannedTotals {
  return totals([new PlannedObject(size).get({ range: "bytes=0-" })]);
}

/**
 * A player reading the whole object from a cold cache by successive open ranges: `bytes=N-`,
 * then from one past the end its Content-Range named, until the end.
 */
export function plannedPlayer(size: number): PlannedTotals {
  const object = new PlannedObject(size);
  const answers: PlannedAnswer[] = [];
  for (let next = 0; next < size; ) {
    const answer = object.get({ range: `bytes=${next}-` });
    answers.push(answer);
    const range = parseContentRange(answer.contentRange)?.range;
    if (answer.status !== 206 || !range) throw new Error(`planned player: ${answer.status} at ${next}`);
    next = range.end + 1;
  }
  return totals(answers);
}
