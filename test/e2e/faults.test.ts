// Origin faults under Viceroy: an origin that is down (connection refused), answers 5xx, or
// breaks off in the middle of a body; with and without a cached copy.

import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { injectFault, originRequests, resetOrigins, send } from "./support/edge.js";

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
    await send(path, { method: "PURGE", headers: { "purge-token": (await import("./support/edge.js")).edge().purgeToken } });
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
