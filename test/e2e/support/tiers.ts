// What a test needs to say the same thing on one tier and on two (the "e2e" and "e2e-shielded"
// projects, issue 15): the instance tests talk to is the only cache on one tier and a POP in front
// of the shield on two. Its answer's Cache-Status then lists the shield's entry first and its own
// last (RFC 9211 §2), X-Cache the same way ("HIT, MISS": shield, then POP); it fills assets from
// the shield (recorded as origin "shield") in segments of `segmentSizeFor(true)`; and a key purge,
// which in production reaches every POP, has to be sent to each local instance.

import type { IncomingHttpHeaders } from "node:http";
import { expect } from "vitest";
import { segmentSizeFor } from "../../../src/cache/tiers.js";
import type { RecordedRequest } from "../../../scripts/origins/front.js";
import { edge, originRequests, send, type EdgeRequestOptions, type EdgeResponse } from "./edge.js";

type Answer = { readonly headers: IncomingHttpHeaders };

/** Two tiers: tests talk to a POP whose shield is another instance. */
export const twoTiers = (): boolean => edge().tiers === 2;

/**
 * Where the instance tests talk to fills assets from, as `originRequests` names it: the shield
 * (through its counting front) on two tiers, the assets origin on one. Faults injected there are
 * what that instance sees of a broken upstream.
 */
export const assetsUpstream = (): "shield" | "assets" => (twoTiers() ? "shield" : "assets");

/**
 * The segment size the instance tests talk to cuts a new assets object into: one shield answer
 * (1 MiB) through the shield, `segmentBytes` filling from the origin (src/cache/tiers.ts). The
 * shield itself, like one tier, fills the origin in `segmentBytes`.
 */
export const popSegmentBytes = (): number => segmentSizeFor(twoTiers());

/**
 * Members of a comma-separated field (RFC 9110 §5.6.1), commas inside a quoted string kept: a
 * Cache-Status `detail` is a quoted string and must not be split.
 */
export function listMembers(value: string | string[] | undefined): string[] {
  const text = Array.isArray(value) ? value.join(", ") : (value ?? "");
  const members: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === "\\") {
      current += c + (text[++i] ?? "");
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === "," && !quoted) {
      members.push(current.trim());
      current = "";
      continue;
    }
    current += c;
  }
  members.push(current.trim());
  return members.filter(Boolean);
}

/** The Cache-Status entries of an answer, the one closest to the origin first. */
export const cacheStatusEntries = (res: Answer): string[] => listMembers(res.headers["cache-status"]);

/**
 * The Cache-Status entry of the instance that answered (the last, RFC 9211 §2). It never says
 * `tier=shield`: that is the shield's entry, which a POP's answer carries before its own.
 */
export function ownCacheStatus(res: Answer): string {
  const own = cacheStatusEntries(res).at(-1);
  expect(own, `no Cache-Status: ${JSON.stringify(res.headers)}`).toBeDefined();
  expect(own).not.toMatch(/tier=shield/);
  return own!;
}

/**
 * The shield's Cache-Status entry on an answer it took part in: on two tiers the answer has two
 * entries and the first says `tier=shield`; on one tier there is no other cache, so exactly one
 * entry and `undefined`.
 */
export function shieldCacheStatus(res: Answer): string | undefined {
  const entries = cacheStatusEntries(res);
  if (!twoTiers()) {
    expect(entries, String(res.headers["cache-status"])).toHaveLength(1);
    return undefined;
  }
  expect(entries, String(res.headers["cache-status"])).toHaveLength(2);
  expect(entries[0]).toMatch(/^changelog-edge; .*detail="[^"]*tier=shield[^"]*"$/);
  return entries[0];
}

/** On two tiers, expects the shield's entry (present, tier=shield) to match `pattern`; on one, that there is none. */
export function expectShieldEntry(res: Answer, pattern: RegExp): void {
  const shield = shieldCacheStatus(res);
  if (twoTiers()) expect(shield).toMatch(pattern);
}

/**
 * Expects both tiers' entries to match `pattern` (on one tier, the one entry there is): for
 * answers every cache on the way handled alike, such as the origin's whole body passed or learnt
 * at each tier (a POP cannot hold what its shield does not).
 */
export function expectEachTier(res: Answer, pattern: RegExp): void {
  expect(ownCacheStatus(res)).toMatch(pattern);
  expectShieldEntry(res, pattern);
}

/** The X-Cache of the instance that answered (the last member: Fastly lists shield, then edge). */
export function ownXCache(res: Answer): string {
  const own = listMembers(res.headers["x-cache"]).at(-1);
  expect(own, `no X-Cache: ${JSON.stringify(res.headers)}`).toBeDefined();
  return own!;
}

/** The shield's X-Cache on two tiers (the first of two members); on one tier, that there is just one. */
export function shieldXCache(res: Answer): string | undefined {
  const members = listMembers(res.headers["x-cache"]);
  expect(members, String(res.headers["x-cache"])).toHaveLength(twoTiers() ? 2 : 1);
  return twoTiers() ? members[0] : undefined;
}

/**
 * Sends the same request to every instance of the run, the instance tests talk to first (then, on
 * two tiers, the second POP and the shield): what one Fastly key purge does, reaching every POP
 * and the shield, while under Viceroy each instance's cache is its own.
 */
export async function sendToEveryInstance(path: string, options: Omit<EdgeRequestOptions, "base"> = {}): Promise<EdgeResponse[]> {
  const { base, otherPop, shield } = edge();
  const answers: EdgeResponse[] = [];
  for (const at of [base, otherPop?.base, shield?.base]) if (at) answers.push(await send(path, { ...options, base: at }));
  return answers;
}

/**
 * The assets requests the instance tests talk to sent itself, in the order sent: on two tiers its
 * requests to the shield and its passes, which go straight to the origin (passes never go through
 * the shield: docs/caching.md "Two tiers"); on one tier every request the origin received.
 */
export async function ownAssetsRequests(): Promise<RecordedRequest[]> {
  const direct = (await originRequests("assets")).filter((r) => r.tier === "edge");
  const viaShield = twoTiers() ? await originRequests("shield") : [];
  return [...viaShield, ...direct].sort((a, b) => a.at - b.at);
}
