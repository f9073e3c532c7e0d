// The cells of the origin fault matrix that test/e2e/faults.test.ts leaves out: every fault with a
// fresh copy, every fault while a stale copy is refreshed in the background (stale-while-
// revalidate) and the faults that arrive late (no first byte, a body cut or stalled mid-way) with
// a stale copy kept for errors (stale-if-error). docs/reliability.md has the whole matrix.
// This run's backends time out after 2 s (first byte and between bytes).

import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Fault } from "../../scripts/origins/front.js";
import { edge, injectFault, originRequests, resetOrigins, send } from "./support/edge.js";

beforeEach(resetOrigins);
afterEach(resetOrigins);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const unique = () => randomUUID().slice(0, 8);
const sc = (value: string) => encodeURIComponent(value);
const purgeToken = () => ({ "purge-token": edge().purgeToken });

const faults: { name: string; fault: Fault }[] = [
  { name: "down", fault: { mode: "down" } },
  { name: "5xx", fault: { mode: "status", status: 503, path: "/cacheable", times: 4 } },
  { name: "no first byte", fault: { mode: "hang", path: "/cacheable", times: 4 } },
  { name: "reset mid-body", fault: { mode: "reset-after", bytes: 3, path: "/cacheable", times: 4 } },
  { name: "stall mid-body", fault: { mode: "stall-after", bytes: 3, path: "/cacheable", times: 4 } },
];
const cuts = (fault: Fault) => fault.mode === "reset-after" || fault.mode === "stall-after";

const appRequests = async () => (await originRequests("app")).filter((r) => r.url.startsWith("/cacheable")).length;
const complete = /^served \d+\n$/;

describe("a fresh copy", () => {
  for (const { name, fault } of faults) {
    it(`origin ${name}: served from cache, the origin never asked`, async () => {
      const path = `/cacheable?id=${unique()}`;
      const first = await send(path);
      await resetOrigins();
      await injectFault("app", fault);
      const res = await send(path);
      expect(res.status).toBe(200);
      expect(res.text()).toBe(first.text());
      expect(res.headers["x-cache"]).toBe("HIT");
      expect(await appRequests()).toBe(0);
    });
  }
});

describe("a stale copy refreshed in the background (stale-while-revalidate, after a soft purge)", () => {
  // Fresh for a minute: only the soft purge makes it stale, so a cut refresh that had been stored
  // would be served fresh afterwards. revalidate=full: the app answers 200, never 304.
  const sw = sc("max-age=60, stale-while-revalidate=3600, stale-if-error=3600");
  for (const { name, fault } of faults) {
    it(`origin ${name}: the stale copy at once;${cuts(fault) ? " the cut refresh is dropped, never stored, and" : ""} the copy is kept`, async () => {
      const path = `/cacheable?id=${unique()}&revalidate=full&sc=${sw}`;
      const first = await send(path);
      expect((await send(path, { method: "PURGE", headers: { ...purgeToken(), "fastly-soft-purge": "1" } })).status).toBe(200);
      await resetOrigins();
      await injectFault("app", fault);
      const started = Date.now();
      const res = await send(path);
      // The client does not wait for the refresh, whatever the origin does.
      expect(Date.now() - started).toBeLessThan(edge().originTimeoutMs);
      expect(res.status).toBe(200);
      expect(res.text()).toBe(first.text());
      expect(res.headers["cache-status"]).toMatch(/stale revalidating"$/);
      // Let the background refresh meet its fault (timeouts fire after 2 s).
      await sleep(edge().originTimeoutMs + 700);
      expect(await appRequests()).toBeGreaterThanOrEqual(fault.mode === "down" ? 0 : 1);
      await resetOrigins();
      const after = await send(path);
      // The failed refresh left the stale copy in place, whole (a cut body stored in its place
      // would be served as fresh here); this request refreshes it again.
      expect(after.status).toBe(200);
      expect(after.text()).toBe(first.text());
      expect(after.headers["cache-status"]).toMatch(/stale revalidating"$/);
      await sleep(300);
      const refreshed = await send(path);
      expect(refreshed.headers["x-cache"]).toBe("HIT");
      expect(refreshed.text()).toMatch(complete);
      expect(refreshed.text()).not.toBe(first.text());
    });
  }
});

describe("a stale copy kept for errors (stale-if-error), faults that arrive late", () => {
  it("no first byte: the stale copy once the timeout fires, not retried", async () => {
    const path = `/cacheable?id=${unique()}&sc=${sc("max-age=1, stale-while-revalidate=0, stale-if-error=3600")}`;
    const first = await send(path);
    await sleep(1_300);
    await resetOrigins();
    await injectFault("app", { mode: "hang", path: "/cacheable", times: 2 });
    const started = Date.now();
    const res = await send(path);
    const elapsed = Date.now() - started;
    expect(res.status).toBe(200);
    expect(res.text()).toBe(first.text());
    expect(res.headers["cache-status"]).toMatch(/stale stale-if-error"$/);
    expect(elapsed).toBeGreaterThanOrEqual(edge().originTimeoutMs - 100);
    expect(await appRequests()).toBe(1);
  });

  for (const fault of [
    { mode: "reset-after", bytes: 3, path: "/cacheable", times: 1 },
    { mode: "stall-after", bytes: 3, path: "/cacheable", times: 1 },
  ] as const) {
    it(`${fault.mode === "reset-after" ? "reset" : "stall"} mid-body: that client's body is cut short of its Content-Length, and never stored`, async () => {
      // Fresh for 3 s: a cut refresh that had been stored would still be fresh when checked.
      // `revalidate=full`: the origin ignores If-None-Match (the stale-if-error request is
      // conditional), so it sends a whole body for the fault to cut instead of a 304.
      const path = `/cacheable?id=${unique()}&revalidate=full&sc=${sc("max-age=3, stale-while-revalidate=0, stale-if-error=3600")}`;
      await send(path);
      await sleep(3_300);
      await resetOrigins();
      await injectFault("app", fault);
      // The status was decided when the origin's headers came; the body ends early, and the
      // Content-Length the client was given says so.
      const cut = await send(path).then(
        (res) => ({ body: res.text(), length: Number(res.headers["content-length"]) }),
        () => ({ body: "", length: NaN }),
      );
      expect(cut.body).not.toMatch(complete);
      if (!Number.isNaN(cut.length)) expect(Buffer.byteLength(cut.body)).toBeLessThan(cut.length);
      await sleep(300);
      const after = await send(path);
      expect(after.status).toBe(200);
      expect(after.text()).toMatch(complete);
      expect(after.headers["x-cache"]).toBe("MISS");
      expect(await appRequests()).toBe(2);
    });
  }
});

describe("a chunked body (no Content-Length)", () => {
  // More cases, slow parts and collapsed clients included: test/e2e/cache-chunked.test.ts.
  it("whole: stored, the second request is a hit", async () => {
    await send("/chunked", { method: "PURGE", headers: purgeToken() });
    await resetOrigins();
    const first = await send("/chunked");
    expect(first.headers["x-cache"]).toBe("MISS");
    expect(first.headers["cache-status"]).toMatch(/; stored; /);
    await sleep(200);
    const second = await send("/chunked");
    expect(second.headers["x-cache"]).toBe("HIT");
    expect(second.text()).toBe(first.text());
    expect((await originRequests("app")).filter((r) => r.url === "/chunked")).toHaveLength(1);
  });

  it("cut mid-way: the client's answer breaks off instead of ending, and it is never stored", async () => {
    await send("/chunked", { method: "PURGE", headers: purgeToken() });
    await injectFault("app", { mode: "reset-after", bytes: 10, path: "/chunked", times: 1 });
    // The runtime ends a cut origin body like a whole one; the host's insert does not, and the
    // edge withholds the last chunk, so the client (node:http here) sees the answer abort.
    await expect(send("/chunked")).rejects.toThrow();
    await sleep(300);
    const whole = await send("/chunked");
    expect(whole.headers["x-cache"]).toBe("MISS");
    expect(whole.text()).toBe("<!doctype html><title>Chunked</title>\n<h1>Chunked</h1>\n");
  });
});
