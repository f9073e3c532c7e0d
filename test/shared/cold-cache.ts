// The edge cache is shared by every end-to-end file (one Viceroy for the run). A test that
// counts origin requests must start from a cold object, and must leave it cold for the files
// that run after it: `cold()` hard-purges a URL through the edge (PURGE with the test token)
// before the test uses it, `purgeWarmed()` (in afterEach) purges it again. On two tiers every
// instance is purged (POP, second POP, shield): Fastly's purge reaches every POP, but under
// Viceroy each instance's cache is its own, and a warm shield would answer a "cold" POP.

import { expect } from "vitest";
import { edge, send } from "../e2e/support/edge.js";

const warmed: { host: string; path: string }[] = [];

async function purgeUrl(host: string, path: string): Promise<void> {
  const { base, shield, otherPop } = edge();
  for (const at of [base, otherPop?.base, shield?.base]) {
    if (!at) continue;
    const res = await send(path, { method: "PURGE", host, headers: { "purge-token": edge().purgeToken }, base: at });
    expect(res.status, `PURGE ${host}${path} at ${at}: ${res.text()}`).toBe(200);
  }
}

/** Makes the object behind `host` and `path` a miss for the next request. */
export async function cold(host: string, path: string): Promise<void> {
  await purgeUrl(host, path);
  warmed.push({ host, path });
}

/** Purges everything `cold()` was asked for during the test. */
export async function purgeWarmed(): Promise<void> {
  for (const { host, path } of warmed.splice(0)) await purgeUrl(host, path);
}
