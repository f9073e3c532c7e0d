// Closing Core Cache handles under Viceroy (src/cache/handle-lifetime.ts): on every kind of answer
// (hit, miss, HEAD, 304, stale while revalidating, chunked, mp3 ranges, a client that hangs up
// mid-body) each close the edge makes is accepted by the host, and no body is cut by it.
//
// What this cannot show: that a handle is released sooner. Viceroy 0.22 keeps nothing observable
// on an open handle once its transaction is inserted or cancelled (the edge always does one or
// the other before it answers), so an unclosed handle and a closed one answer alike here; nor
// does it cut a body whose handle is closed early (tried: a hit closed right after its body was
// taken still came out whole), so waiting for the body is for production, which promises
// nothing either way. That every handle is closed once, after its last use, is the unit tests' job
// (test/unit/cache/handle-lifetime.test.ts). A close the host refuses (twice, or of a handle it
// no longer has) is logged as "cache handle close failed" or "close: Invalid handle", which this
// file looks for.

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { beforeEach, describe, expect, it } from "vitest";
import { mp3s } from "../../scripts/origins/fixtures.js";
import { streamFrom } from "./mp3-support.js";
import { edge, resetOrigins, send } from "./support/edge.js";


const unique = () => randomUUID().slice(0, 8);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let logFrom = 0;
beforeEach(async () => {
  await resetOrigins();
  logFrom = readFileSync(edge().logPath).length;
});
/** Close failures Viceroy's output shows since this test began (waiting out late log lines). */
async function closeFailures(): Promise<string[]> {
  await sleep(500);
  const output = readFileSync(edge().logPath).subarray(logFrom).toString("utf8");
  // Through a Lease the failure is reported as such; a bare close() that throws shows the
  // runtime's own message wherever it is caught and logged.
  return output.split("\n").filter((line) => /cache handle close failed|close: Invalid handle/.test(line));
}

describe("every answer closes its cache handles without the host refusing a close", () => {
  it("app pages: miss, hit, HEAD, 304, stale while revalidating, chunked", async () => {
    const path = `/cacheable?id=${unique()}`;
    expect((await send(path)).text()).toBe("served 1\n");
    const hit = await send(path);
    expect(hit.text()).toBe("served 1\n");
    expect(hit.headers["x-cache"]).toBe("HIT");
    expect((await send(path, { method: "HEAD" })).status).toBe(200);
    expect((await send(path, { headers: { "if-none-match": '"stable"' } })).status).toBe(304);

    const sc = encodeURIComponent("max-age=1, stale-while-revalidate=600");
    const stalePath = `/cacheable?id=${unique()}&sc=${sc}`;
    await send(stalePath);
    await sleep(1_300);
    const stale = await send(stalePath);
    expect(stale.text()).toBe("served 1\n");
    expect(stale.headers["cache-status"]).toMatch(/stale revalidating"$/);

    const chunked = `/respond?id=${unique()}&chunks=4`;
    const first = await send(chunked);
    const again = await send(chunked);
    expect(again.text()).toBe(first.text());
    expect(again.headers["x-cache"]).toBe("HIT");

    expect(await closeFailures()).toEqual([]);
  });

  it("mp3 ranges, cold and cached, whole, and a client that hangs up mid-body", async () => {
    const mp3 = mp3s.spareD;
    const range = { range: "bytes=1000-300999" };
    for (let i = 0; i < 2; i++) {
      const res = await streamFrom(mp3.path, { headers: range, expect: { fixture: mp3, start: 1000 } });
      expect(res.status).toBe(206);
      expect(res.complete).toBe(true);
      expect(res.bytes).toBe(300_000);
      expect(res.mismatchAt).toBe(-1);
    }
    const cut = await streamFrom(mp3.path, { headers: { range: "bytes=0-999999" }, resetAfter: 100_000 });
    expect(cut.complete).toBe(false);
    // The next client still gets every byte of what the one that hung up was reading.
    const after = await streamFrom(mp3.path, { headers: { range: "bytes=0-999999" }, expect: { fixture: mp3, start: 0 } });
    expect(after.complete).toBe(true);
    expect(after.bytes).toBe(1_000_000);
    expect(after.mismatchAt).toBe(-1);

    expect(await closeFailures()).toEqual([]);
  });
});
