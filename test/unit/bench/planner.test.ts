// The bench's two-tier planner (scripts/bench/planner.ts `PlannedTiers`): what a POP asks the
// shield and what the shield asks R2, from the same pure decisions the edge makes. The bench
// prints these beside what it measures, and alone for 1 GiB, so they must follow the design of
// docs/caching.md "Two tiers": a POP cuts 1 MiB segments through the shield, the shield 2 MiB.

import { describe, expect, it } from "vitest";
import { writtenBodyBytes } from "../../../src/cache/asset-delivery.js";
import { segmentSizeFor } from "../../../src/cache/tiers.js";
import { PlannedObject, PlannedTiers, plannedPlayer, plannedTieredFullGet, plannedTieredOpenRange, plannedTieredPlayer } from "../../../scripts/bench/planner.js";

const MiB = 1024 * 1024;

describe("what a planned object sends its origin", () => {
  it("a cold GET without Range sends one request without Range", () => {
    const answer = new PlannedObject(10 * MiB).get();
    expect(answer.sent).toEqual([{}]);
    expect(answer.originRequests).toBe(1);
  });

  it("a cold open range sends the Range of the segment it starts in, then the next one its 1 MiB reaches", () => {
    const answer = new PlannedObject(10 * MiB, MiB).get({ range: `bytes=${3 * MiB + 5}-` });
    expect(answer.sent).toEqual([{ range: `bytes=${3 * MiB}-${4 * MiB - 1}` }, { range: `bytes=${4 * MiB}-${5 * MiB - 1}` }]);
    expect(answer.contentRange).toBe(`bytes ${3 * MiB + 5}-${3 * MiB + 4 + writtenBodyBytes}/${10 * MiB}`);
  });

  it("a segment of an object it knows is asked for up to the object's end, a stored one not at all", () => {
    const object = new PlannedObject(MiB + 10, MiB);
    object.get({ range: "bytes=0-" });
    const answer = object.get({ range: `bytes=${MiB - 5}-` });
    expect(answer.sent).toEqual([{ range: `bytes=${MiB}-${MiB + 9}` }]);
  });
});

describe("two tiers", () => {
  it("a POP cuts at segmentSizeFor(true), the shield at segmentSizeFor(false)", () => {
    const tiers = new PlannedTiers(10 * MiB);
    const first = tiers.get({ range: "bytes=0-" });
    expect(first.sent).toEqual([{ range: `bytes=0-${segmentSizeFor(true) - 1}` }]);
    expect(first.shield).toHaveLength(1);
    expect(first.shield[0]!.sent).toEqual([{ range: `bytes=0-${segmentSizeFor(false) - 1}` }]);
  });

  it("each request to the shield is one shield execution; the shield fills each of its segments once", () => {
    const tiers = new PlannedTiers(10 * MiB);
    const next = tiers.get({ range: "bytes=0-" });
    const second = tiers.get({ range: `bytes=${MiB}-` });
    expect([next.originRequests, second.originRequests]).toEqual([1, 1]);
    // The POP's second 1 MiB segment is in the shield's first 2 MiB one, already there.
    expect(second.shield.map((s) => s.originRequests)).toEqual([0]);
    expect(tiers.get({ range: `bytes=${2 * MiB}-` }).shield.map((s) => s.originRequests)).toEqual([1]);
  });

  it("a cold whole GET or bytes=0- costs one request at each tier", () => {
    for (const size of [120 * MiB + 17, 1024 * MiB]) {
      expect(plannedTieredFullGet(size)).toEqual({ requests: 1, popRequests: 1, maxPop: 1, r2Requests: 1, maxR2: 1 });
      expect(plannedTieredOpenRange(size)).toEqual({ requests: 1, popRequests: 1, maxPop: 1, r2Requests: 1, maxR2: 1 });
    }
  });

  it("a whole GET of an object the shield knows is asked of R2 again (Viceroy has no HTTP cache)", () => {
    const tiers = new PlannedTiers(10 * MiB);
    tiers.get({ range: "bytes=0-" });
    const whole = tiers.get();
    expect(whole.sent).toEqual([{}]);
    expect(whole.shield.map((s) => [s.delivery, s.originRequests])).toEqual([["whole", 1]]);
  });

  it("a player: one shield request per MiB at the POP, one R2 request per 2 MiB, as one tier's", () => {
    const size = 120 * MiB + 17;
    const { first } = plannedTieredPlayer(size);
    expect(first).toEqual({ requests: 121, popRequests: 121, maxPop: 1, r2Requests: 61, maxR2: 1 });
    expect(first.r2Requests).toBe(plannedPlayer(size).originRequests);
  });

  it("a second POP behind the same shield costs R2 nothing for what the shield holds", () => {
    const { first, second } = plannedTieredPlayer(1024 * MiB);
    expect(second).toEqual({ ...first, r2Requests: 0, maxR2: 0 });
  });
});
