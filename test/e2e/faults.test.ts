// Origin faults under Viceroy: an origin that is down (connection refused), answers 5xx, or
// breaks off in the middle of a body; with and without a cached copy.

import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mp3s } from "../../scripts/origins/fixtures.js";
import { cold, purgeWarmed } from "../shared/cold-cache.js";
import { edge, injectFault, originRequests, resetOrigins, send } from "./support/edge.js";

beforeEach(resetOrigins);
afterEach(resetOrigins);

const unique = () => randomUUID().slice(0, 8);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const staleIfErrorOnly = encodeURIComponent("max-age=1, stale-while-revalidate=0, stale-if-error=3600");

describe("origin down (connection refused)", () => {
  it("without a cached copy: a short 503 of the edge's own, after one retry", async () => {
    await injectFault("app", { mode: "down" });
    const res = await send(`/cacheable?id=${unique()}`);
    expect(res.status).toBe(503);
    expect(res.text()).toMatch(/could not be reached/);
    expect(res.headers["retry-after"]).toBe("5");
    expect(res.headers["cache-status"]).toMatch(/^changelog-edge; fwd=uri-miss; detail=".*origin=app origin-failed"$/);
  });

  it("with a stale copy: the stale copy", async () => {
    const path = `/cacheable?id=${unique()}&sc=${staleIfErrorOnly}`;
    const first = await send(path);
    await sleep(1_300);
    await injectFault("app", { mode: "down" });
    const res = await send(path);
    expect(res.status).toBe(200);
    expect(res.text()).toBe(first.text());
    expect(res.headers["cache-status"]).toMatch(/stale stale-if-error"$/);
  });

  it("with a fresh copy: served from cache, the origin is not needed", async () => {
    const path = `/cacheable?id=${unique()}`;
    const first = await send(path);
    await injectFault("app", { mode: "down" });
    const res = await send(path);
    expect(res.status).toBe(200);
    expect(res.text()).toBe(first.text());
    expect(res.headers["x-cache"]).toBe("HIT");
  });

  it("an uncacheable request gets the short 503", async () => {
    await injectFault("app", { mode: "down" });
    const res = await send("/login", { method: "POST", body: "a=b" });
    expect(res.status).toBe(503);
  });
});

describe("origin 5xx", () => {
  it("with a stale copy: the stale copy after the retry also fails", async () => {
    const path = `/cacheable?id=${unique()}&sc=${staleIfErrorOnly}`;
    await send(path);
    await sleep(1_300);
    await injectFault("app", { mode: "status", status: 502, path: "/cacheable", times: 2 });
    const res = await send(path);
    expect(res.status).toBe(200);
    expect(await originRequests("app")).toHaveLength(3);
  });

  it("without a copy: the origin's own 5xx answer", async () => {
    await injectFault("app", { mode: "status", status: 502, path: "/cacheable", times: 2 });
    const res = await send(`/cacheable?id=${unique()}`);
    expect(res.status).toBe(502);
    expect(res.text()).toBe("fault injected: 502\n");
  });
});

describe("origin breaks off mid-body", () => {
  it("never stores the truncated body as complete", async () => {
    const path = "/feeds/A1D5691802E8D20DEA94C6E9821AFBB2";
    await send(path, { method: "PURGE", headers: { "purge-token": edge().purgeToken } });
    await resetOrigins();
    await injectFault("feeds", { mode: "reset-after", bytes: 40, times: 1 });
    await send(path).catch(() => null);
    await sleep(200);
    const res = await send(path);
    expect(res.status).toBe(200);
    expect(res.text()).toMatch(/<\/rss>\n$/);
    expect((await originRequests("feeds")).length).toBe(2);
  });
});

describe("origin timeouts (this run's backends wait 2 s; production's 15 s first byte, 10 s between bytes)", () => {
  it("no first byte: a 504 of the edge's own once the timeout fires, not retried", async () => {
    await injectFault("app", { mode: "hang", path: "/cacheable", times: 2 });
    const started = Date.now();
    const res = await send(`/cacheable?id=${unique()}`);
    const elapsed = Date.now() - started;
    expect(res.status).toBe(504);
    expect(res.text()).toMatch(/did not answer in time/);
    expect(await originRequests("app")).toHaveLength(1);
    // Bounded by the configured timeout, not a hang (generous slack for a loaded machine).
    expect(elapsed).toBeGreaterThanOrEqual(edge().originTimeoutMs - 100);
    expect(elapsed).toBeLessThan(edge().originTimeoutMs * 2 + 5_000);
  });

  it("no first byte from the bucket for an mp3 segment: 504 too, not retried (one policy on every route)", async () => {
    const mp3 = mp3s.spareD;
    await cold("cdn.changelog.com", mp3.path);
    await resetOrigins();
    await injectFault("assets", { mode: "hang", path: mp3.path, times: 2 });
    const res = await send(mp3.path, { host: "cdn.changelog.com", headers: { range: "bytes=0-99" } });
    expect(res.status).toBe(504);
    expect(res.text()).toMatch(/did not answer in time/);
    expect(await originRequests("assets")).toHaveLength(1);
    await purgeWarmed();
  });

  it("no first byte on a pass request: 504 as well", async () => {
    await injectFault("app", { mode: "hang", path: "/login" });
    const res = await send("/login", { method: "POST", body: "x" });
    expect(res.status).toBe(504);
  });

  it("a body that stalls mid-way is cut for that client and never stored", async () => {
    const path = "/spotlight/feed";
    await injectFault("feeds", { mode: "stall-after", bytes: 30, times: 1 });
    const first = await send(path).catch((error: Error) => error);
    if (!(first instanceof Error)) expect(first.body.length).toBeLessThan(100);
    const second = await send(path);
    expect(second.status).toBe(200);
    expect(second.text()).toMatch(/<\/rss>\n$/);
    expect(await originRequests("feeds")).toHaveLength(2);
  });
});
