// Origin requests predicted from the pure planner, without running anything: what the assets
// path (src/engine/assets.ts) asks of the origin for a sequence of requests on one object when every
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
//
// On two tiers (docs/caching.md "Two tiers", `PlannedTiers`) the same model runs twice: a POP
// cuts the object at `segmentSizeFor(true)` (1 MiB) and each of its origin requests is a request
// to the shield, which is itself a PlannedObject at `segmentSizeFor(false)` (2 MiB) fed exactly
// those requests (a segment's Range, or a GET without one for the whole object); the shield's
// origin requests are R2's. Each request to the shield is one shield execution.

import type { StoredObject } from "../../src/cache/asset-object.js";
import { deliveryFor, writtenBodyBytes, type ContentAnswer } from "../../src/cache/asset-delivery.js";
import { planLength, segmentBytes, segmentIndexOf, segmentRange, segmentsOf } from "../../src/cache/segments.js";
import { cacheTimes } from "../../src/config/cache-times.js";
import { segmentSizeFor } from "../../src/cache/tiers.js";
import { answerAsset } from "../../src/http/asset-answer.js";
import { parseContentRange, parseRangeHeader } from "../../src/http/range.js";

export interface PlannedAnswer {
  readonly status: number;
  readonly contentRange: string | null;
  /** Body bytes of the answer. */
  readonly bytes: number;
  /** Origin requests this one request makes. */
  readonly originRequests: number;
  /** Those requests' headers, in order: a segment's `range`, or none for the whole object. */
  readonly sent: readonly Readonly<Record<string, string>>[];
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
    const sent: Record<string, string>[] = [];
    // What src/engine/assets.ts sends: the whole object without Range, or one segment's Range
    // (asset-store.ts segmentRangeHeader: cut at `segment` with no end known yet).
    const whole = () => sent.push({});
    const segment = (index: number, known: boolean) => {
      const range = segmentRange(index, known ? this.size : Number.MAX_SAFE_INTEGER, this.object.segment);
      sent.push({ range: `bytes=${range.start}-${range.end}` });
    };
    const answer = (a: Omit<PlannedAnswer, "originRequests" | "sent">): PlannedAnswer => ({ ...a, originRequests: sent.length, sent });
    if (!this.known && method === "GET" && !request.has("range")) {
      this.known = true;
      whole();
      const small = this.size > 0 && this.size <= writtenBodyBytes && this.size <= this.object.segment;
      if (!small) return answer({ status: 200, contentRange: null, bytes: this.size, delivery: "whole" });
      this.stored.add(0);
      return answer({ status: 200, contentRange: null, bytes: this.size, delivery: "written" });
    }
    if (!this.known) {
      // The object's metadata comes with the segment the answer starts in.
      const want = firstWantedSegment(request, method, this.object.segment);
      segment(want, false);
      this.known = true;
      if (want * this.object.segment < this.size) this.stored.add(want);
    }
    const boundary = () => "bench";
    const asked = answerAsset(method, request, this.object, boundary);
    if (asked.kind !== "content") return answer({ status: asked.status, contentRange: null, bytes: 0, delivery: "other" });
    const wholeAnswer = () => {
      const without = new Headers(request);
      without.delete("range");
      return answerAsset(method, without, this.object, boundary) as ContentAnswer;
    };
    const delivery = deliveryFor(asked, this.object, wholeAnswer);
    if (delivery.kind === "whole") {
      whole();
      return answer({ status: 200, contentRange: null, bytes: this.size, delivery: "whole" });
    }
    const contentRange = delivery.answer.headers["content-range"] ?? null;
    if (delivery.kind === "empty") return answer({ status: delivery.answer.status, contentRange, bytes: 0, delivery: "empty" });
    for (const index of segmentsOf(delivery.plan)) {
      if (this.stored.has(index)) continue;
      this.stored.add(index);
      segment(index, true);
    }
    return answer({ status: delivery.answer.status, contentRange, bytes: planLength(delivery.plan), delivery: "written" });
  }
}

/** src/engine/assets.ts `firstWantedSegment`: where the first range begins, else segment 0. */
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
  return totals(playerReads(size, (headers) => object.get(headers)));
}

/** The answers a player gets reading `size` bytes by open ranges from `get`. */
function playerReads<T extends { status: number; contentRange: string | null }>(size: number, get: (headers: Record<string, string>) => T): T[] {
  const answers: T[] = [];
  for (let next = 0; next < size; ) {
    const answer = get({ range: `bytes=${next}-` });
    answers.push(answer);
    const range = parseContentRange(answer.contentRange)?.range;
    if (answer.status !== 206 || !range) throw new Error(`planned player: ${answer.status} at ${next}`);
    next = range.end + 1;
  }
  return answers;
}

// ---- two tiers ----

/** One client request at a POP: the POP's answer, and each shield execution it caused. */
export interface PlannedTierAnswer extends PlannedAnswer {
  /** One per request the POP sent the shield, in order: the shield's answer and R2 requests. */
  readonly shield: readonly PlannedAnswer[];
}

/** A POP in front of a shield, one object, from cold caches on (the shield may be shared). */
export class PlannedTiers {
  readonly pop: PlannedObject;

  constructor(
    readonly size: number,
    /** The shield's copy: pass another PlannedTiers' to plan a second POP behind the same shield. */
    readonly shield = new PlannedObject(size, segmentSizeFor(false)),
  ) {
    this.pop = new PlannedObject(size, segmentSizeFor(true));
  }

  get(headers: Record<string, string> = {}): PlannedTierAnswer {
    const answer = this.pop.get(headers);
    return { ...answer, shield: answer.sent.map((sent) => this.shield.get(sent)) };
  }
}

/** Totals of a planned sequence on two tiers. */
export interface PlannedTierTotals {
  readonly requests: number;
  /** Requests the POP sent the shield (= shield executions), and the most one client request made. */
  readonly popRequests: number;
  readonly maxPop: number;
  /** R2 requests of all shield executions, and the most one shield execution made. */
  readonly r2Requests: number;
  readonly maxR2: number;
}

function tierTotals(answers: readonly PlannedTierAnswer[]): PlannedTierTotals {
  const shield = answers.flatMap((a) => a.shield);
  return {
    requests: answers.length,
    popRequests: answers.reduce((n, a) => n + a.originRequests, 0),
    maxPop: Math.max(0, ...answers.map((a) => a.originRequests)),
    r2Requests: shield.reduce((n, a) => n + a.originRequests, 0),
    maxR2: Math.max(0, ...shield.map((a) => a.originRequests)),
  };
}

/** A cold GET of the whole object at a POP, both tiers cold. */
export function plannedTieredFullGet(size: number): PlannedTierTotals {
  return tierTotals([new PlannedTiers(size).get()]);
}

/** A cold `Range: bytes=0-` at a POP, both tiers cold. */
export function plannedTieredOpenRange(size: number): PlannedTierTotals {
  return tierTotals([new PlannedTiers(size).get({ range: "bytes=0-" })]);
}

/**
 * A player reading the whole object by open ranges at a cold POP, then the same player at a
 * second cold POP behind the same shield, which by then holds every byte.
 */
export function plannedTieredPlayer(size: number): { first: PlannedTierTotals; second: PlannedTierTotals } {
  const first = new PlannedTiers(size);
  const second = new PlannedTiers(size, first.shield);
  return {
    first: tierTotals(playerReads(size, (headers) => first.get(headers))),
    second: tierTotals(playerReads(size, (headers) => second.get(headers))),
  };
}
