// The edge cache on Core Cache under Viceroy: hits, collapsing, query handling, what is never
// stored, retry, stale-while-revalidate, stale-if-error, purge, and the cache headers.

import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { edge, injectFault, originRequests, resetOrigins, send } from "./support/edge.js";
import { ownXCache, sendToEveryInstance, shieldXCache, twoTiers } from "./support/tiers.js";

beforeEach(resetOrigins);

const unique = () => randomUUID().slice(0, 8);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const appUrls = async () => (await originRequests("app")).map((r) => r.url);
const purgeHeaders = () => ({ "purge-token": edge().purgeToken });

describe("hits and misses", () => {
  it("a second GET is a hit and makes no origin request", async () => {
    const path = `/cacheable?id=${unique()}`;
    const first = await send(path);
    const second = await send(path);
    expect(first.status).toBe(200);
    expect(second.text()).toBe(first.text());
    expect(first.headers["x-cache"]).toBe("MISS");
    expect(first.headers["cache-status"]).toMatch(/^changelog-edge; fwd=uri-miss; stored; ttl=60; detail="pop=\S+ region=\S+ origin=app"$/);
    expect(second.headers["x-cache"]).toBe("HIT");
    expect(second.headers["cache-status"]).toMatch(/^changelog-edge; hit; ttl=(59|60); detail="pop=\S+ region=\S+ origin=app"$/);
    // Viceroy does not implement CacheEntry.hits(), so the count is left out (production sets it).
    expect(second.headers["x-cache-hits"]).toBeUndefined();
    expect(first.headers["x-cache-hits"]).toBe("0");
    expect(Number(second.headers.age)).toBeGreaterThanOrEqual(0);
    expect(second.headers["x-served-by"]).toMatch(/^cache-\S+$/);
    expect(await appUrls()).toEqual([path]);
  });

  it("8 concurrent misses for one object make one origin request", async () => {
    const path = `/slow?ms=400&id=${unique()}`;
    const answers = await Promise.all(Array.from({ length: 8 }, () => send(path)));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(new Set(answers.map((a) => a.text())).size).toBe(1);
    expect(await appUrls()).toEqual([path]);
  });

  it("HEAD is answered from the GET object", async () => {
    const path = `/cacheable?id=${unique()}`;
    const get = await send(path);
    const head = await send(path, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers["content-length"]).toBe(String(get.body.length));
    expect(head.headers["x-cache"]).toBe("HIT");
    expect(await appUrls()).toEqual([path]);
  });

  it("a HEAD miss fills the cache for the next GET", async () => {
    const path = `/cacheable?id=${unique()}`;
    await send(path, { method: "HEAD" });
    const get = await send(path);
    expect(get.text()).toBe("served 1\n");
    expect(get.headers["x-cache"]).toBe("HIT");
    expect((await originRequests("app")).map((r) => r.method)).toEqual(["GET"]);
  });

  it("keys the app host on the query, the feeds on the path alone", async () => {
    const id = unique();
    await send(`/cacheable?id=${id}&a=1`);
    await send(`/cacheable?id=${id}&a=2`);
    expect(await appUrls()).toHaveLength(2);
    await send("/posts/feed?cb=1");
    await send("/posts/feed?cb=2");
    await send("/posts/feed");
    // The slash form never reaches the cache: it is the edge's redirect to the canonical path.
    const slashed = await send("/posts/feed/?cb=3");
    expect(slashed.status).toBe(301);
    expect(slashed.headers.location).toBe("https://changelog.com/posts/feed?cb=3");
    expect((await originRequests("feeds")).length).toBeLessThanOrEqual(1);
  });
});

describe("never stored", () => {
  it("a response with Set-Cookie goes to the origin every time", async () => {
    await send(`/set-cookie?id=1`);
    await send(`/set-cookie?id=1`);
    expect(await appUrls()).toEqual(["/set-cookie?id=1", "/set-cookie?id=1"]);
  });

  it("Cache-Control: private goes to the origin every time", async () => {
    await send("/");
    const second = await send("/");
    expect(second.headers["x-cache"]).toBe("MISS");
    expect(await appUrls()).toEqual(["/", "/"]);
  });

  it("a 5xx is retried once, then passed on and not stored", async () => {
    const path = `/fail?id=${unique()}`;
    const res = await send(path);
    expect(res.status).toBe(500);
    expect(await appUrls()).toEqual([path, path]);
    await send(path);
    expect(await appUrls()).toHaveLength(4);
  });
});

describe("origin failures", () => {
  it("one 503 from the origin is retried and the listener never sees it", async () => {
    const path = `/cacheable?id=${unique()}`;
    await injectFault("app", { mode: "status", status: 503, path: "/cacheable", times: 1 });
    const res = await send(path);
    expect(res.status).toBe(200);
    expect(await appUrls()).toEqual([path, path]);
  });

  it("serves the stale copy when the origin fails past the stale-while-revalidate window", async () => {
    const sc = encodeURIComponent("max-age=1, stale-while-revalidate=0, stale-if-error=3600");
    const path = `/cacheable?id=${unique()}&sc=${sc}`;
    const first = await send(path);
    await sleep(1_300);
    await injectFault("app", { mode: "status", status: 503, path: "/cacheable", times: 2 });
    const stale = await send(path);
    expect(stale.status).toBe(200);
    expect(stale.text()).toBe(first.text());
    expect(stale.headers["cache-status"]).toMatch(/^changelog-edge; hit; ttl=-\d+; detail=".* stale stale-if-error"$/);
    expect(await appUrls()).toEqual([path, path, path]);
  });

  it("past the stale-while-revalidate window a working origin is asked first", async () => {
    const sc = encodeURIComponent("max-age=1, stale-while-revalidate=0, stale-if-error=3600");
    const path = `/cacheable?id=${unique()}&sc=${sc}&revalidate=full`;
    await send(path);
    await sleep(1_300);
    const fresh = await send(path);
    expect(fresh.text()).toBe("served 2\n");
    expect(fresh.headers["cache-status"]).toMatch(/fwd=stale; stored/);
  });
});

describe("stale-while-revalidate", () => {
  it("answers the stale copy at once and refreshes it in the background, conditionally", async () => {
    const sc = encodeURIComponent("max-age=1, stale-while-revalidate=600");
    const path = `/cacheable?id=${unique()}&sc=${sc}`;
    await send(path);
    await sleep(1_300);
    const stale = await send(path);
    expect(stale.text()).toBe("served 1\n");
    expect(stale.headers["cache-status"]).toMatch(/^changelog-edge; hit; .*stale revalidating"$/);
    await sleep(300);
    const requests = await originRequests("app");
    expect(requests).toHaveLength(2);
    expect(requests[1]!.headers["if-none-match"]).toBe('"stable"');
    const after = await send(path);
    expect(after.headers["cache-status"]).toMatch(/^changelog-edge; hit; ttl=(0|1); /);
    expect(await originRequests("app")).toHaveLength(2);
  });
});

describe("purge", () => {
  it("refuses a PURGE without the token or with a wrong one, and keeps the object", async () => {
    await send("/news/feed");
    for (const headers of [{}, { "purge-token": "wrong" }] as Record<string, string>[]) {
      const res = await send("/news/feed", { method: "PURGE", headers });
      expect(res.status).toBe(401);
      expect(res.text()).toMatch(/Purge-Token/);
    }
    await send("/news/feed");
    expect((await originRequests("feeds")).length).toBeLessThanOrEqual(1);
  });

  it("with the token, evicts the URL so the next request goes to the origin", async () => {
    await send("/gotime/feed");
    await send("/gotime/feed");
    // Sent to every instance, as production's key purge reaches every POP and the shield: on two
    // tiers the feed comes through the shield, whose copy would otherwise answer the POP's miss.
    const purges = await sendToEveryInstance("/gotime/feed/", { method: "PURGE", headers: purgeHeaders() });
    expect(purges).toHaveLength(twoTiers() ? 3 : 1);
    for (const purged of purges) {
      expect(purged.status).toBe(200);
      expect(JSON.parse(purged.text())).toEqual({
        status: "ok",
        url: "https://changelog.com/gotime/feed/",
        surrogateKey: "changelog.com/gotime/feed",
        soft: false,
      });
    }
    const after = await send("/gotime/feed?cb=9");
    expect(ownXCache(after)).toBe("MISS");
    // Two tiers: the shield missed too (purged), so the feed came from the origin again.
    expect(shieldXCache(after)).toBe(twoTiers() ? "MISS" : undefined);
    expect(await originRequests("feeds")).toHaveLength(2);
  });

  it("purges every query variant of an app page", async () => {
    const id = unique();
    await send(`/cacheable?id=${id}&v=1`);
    await send(`/cacheable?id=${id}&v=2`);
    await send("/cacheable", { method: "PURGE", headers: purgeHeaders() });
    await send(`/cacheable?id=${id}&v=1`);
    await send(`/cacheable?id=${id}&v=2`);
    expect(await appUrls()).toHaveLength(4);
  });

  it("a soft purge serves the stale copy while it is refreshed", async () => {
    const path = `/cacheable?id=${unique()}&revalidate=full`;
    await send(path);
    const purged = await send(path, { method: "PURGE", headers: { ...purgeHeaders(), "fastly-soft-purge": "1" } });
    expect(JSON.parse(purged.text())).toMatchObject({ soft: true });
    const stale = await send(path);
    expect(stale.text()).toBe("served 1\n");
    expect(stale.headers["cache-status"]).toMatch(/stale revalidating/);
    await sleep(300);
    expect((await send(path)).text()).toBe("served 2\n");
  });
});

describe("edge control headers", () => {
  it("keeps the origin's Surrogate-Key for purging but hides it from clients", async () => {
    const path = `/cacheable?id=${unique()}&sk=episode-42`;
    const res = await send(path);
    expect(res.headers["surrogate-key"]).toBeUndefined();
    expect(res.headers["surrogate-control"]).toBeUndefined();
    const debug = await send(path, { headers: { "fastly-debug": "1" } });
    expect(debug.headers["surrogate-key"]).toBe("episode-42");
  });

  it("passes the browser-facing Cache-Control through unchanged", async () => {
    const res = await send(`/cacheable?id=${unique()}`);
    expect(res.headers["cache-control"]).toBe("public, max-age=30");
  });
});
