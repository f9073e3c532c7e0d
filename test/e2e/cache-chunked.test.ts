// Pages sent chunked (no Content-Length) on the app/feeds/nightly path: a whole one is stored and
// served again byte for byte; a cut one is never served from the cache, and its client sees a
// broken answer (no last chunk), never a truncated page that looks whole. The origin body is
// appended to the cache insert on the host, which fails the insert when the chunked framing
// broke off; a fresh lookup once the body has ended tells whole (a known length) from cut.
// docs/caching.md, "Bodies without a declared length". Backends time out after 2 s here.

import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { origins } from "../../src/config/origins.js";
import { edge, injectFault, originRequests, resetOrigins, send } from "./support/edge.js";
import { head, rawRequest, type RawAnswer } from "./support/raw-http.js";

beforeEach(resetOrigins);
afterEach(resetOrigins);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const unique = () => randomUUID().slice(0, 8);
const q = (value: string) => encodeURIComponent(value);

/** A chunked page of `chunks` parts from the app's /respond, each part 23 bytes for count 1. */
const chunkedPath = (extra = "", chunks = 4) => `/respond?id=${unique()}&chunks=${chunks}${extra}`;
const wholeBody = (count: number, chunks = 4) =>
  Array.from({ length: chunks }, (_, i) => `part ${i + 1}/${chunks} served ${count} foo=\n`).join("");

/** A GET as raw bytes, so a chunked answer without its last chunk shows as such. */
function get(path: string, method = "GET"): Promise<RawAnswer> {
  return rawRequest(head(`${method} ${path} HTTP/1.1`, "Host: changelog.com", "Connection: close"));
}
/** Whether a chunked answer ended with its last chunk (RFC 9112 §7.1), i.e. says it is whole. */
const ended = (answer: RawAnswer) => answer.raw.toString("latin1").endsWith("\r\n0\r\n\r\n");
const header = (answer: RawAnswer, name: string) => answer.headers[name]?.[0];
const requestsFor = async (path: string) => (await originRequests("app")).filter((r) => r.url === path).length;

describe("a whole chunked page", () => {
  it("is stored: the second request is a hit with the same bytes, and the origin was asked once", async () => {
    const path = chunkedPath();
    const first = await get(path);
    expect(first.status).toBe(200);
    expect(header(first, "transfer-encoding")).toBe("chunked");
    expect(header(first, "content-length")).toBeUndefined();
    expect(ended(first)).toBe(true);
    expect(first.body.toString()).toBe(wholeBody(1));
    expect(header(first, "x-cache")).toBe("MISS");
    expect(header(first, "cache-status")).toMatch(/^changelog-edge; fwd=uri-miss; stored; ttl=60; /);
    await sleep(200);
    const second = await send(path);
    expect(second.status).toBe(200);
    expect(second.headers["x-cache"]).toBe("HIT");
    expect(second.text()).toBe(wholeBody(1));
    // Once stored, the entry knows its length.
    expect(second.headers["content-length"]).toBe(String(Buffer.byteLength(wholeBody(1))));
    expect(await requestsFor(path)).toBe(1);
  });

  it("is stored when its parts arrive slowly, and a HEAD miss stores it for the next GET", async () => {
    const slow = chunkedPath("&gap=150");
    expect(ended(await get(slow))).toBe(true);
    expect((await send(slow)).headers["x-cache"]).toBe("HIT");
    const path = chunkedPath();
    const headMiss = await get(path, "HEAD");
    expect(headMiss.status).toBe(200);
    expect(headMiss.body.length).toBe(0);
    await sleep(200);
    const after = await send(path);
    expect(after.headers["x-cache"]).toBe("HIT");
    expect(after.text()).toBe(wholeBody(1));
    expect(await requestsFor(path)).toBe(1);
  });

  it("8 concurrent misses make one origin request, and every client gets the whole page", async () => {
    const path = chunkedPath("&gap=100");
    const answers = await Promise.all(Array.from({ length: 8 }, () => get(path)));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(ended(answer)).toBe(true);
      expect(answer.body.toString()).toBe(wholeBody(1));
    }
    expect(await requestsFor(path)).toBe(1);
  });
});

describe("a cut chunked page", () => {
  it("reaches its client cut (no last chunk), is not stored, and the next request gets the whole page from the origin", async () => {
    const path = chunkedPath();
    // 30 bytes: the first part and a piece of the second, then the connection is reset.
    await injectFault("app", { mode: "reset-after", bytes: 30, path, times: 1 });
    const cut = await get(path);
    expect(cut.status).toBe(200);
    expect(ended(cut)).toBe(false);
    expect(wholeBody(1).startsWith(cut.body.toString())).toBe(true);
    expect(cut.body.length).toBeLessThanOrEqual(30);
    await sleep(300);
    const next = await get(path);
    expect(ended(next)).toBe(true);
    expect(next.body.toString()).toBe(wholeBody(2));
    expect(header(next, "x-cache")).toBe("MISS");
    expect(await requestsFor(path)).toBe(2);
    await sleep(200);
    const hit = await send(path);
    expect(hit.headers["x-cache"]).toBe("HIT");
    expect(hit.text()).toBe(wholeBody(2));
    expect(await requestsFor(path)).toBe(2);
  });

  it("is evicted by the read-back when nobody read it (a HEAD miss): the next GET is a miss, whole", async () => {
    const path = chunkedPath();
    await injectFault("app", { mode: "reset-after", bytes: 30, path, times: 1 });
    expect((await get(path, "HEAD")).status).toBe(200);
    await sleep(300);
    const next = await get(path);
    expect(header(next, "x-cache")).toBe("MISS");
    expect(ended(next)).toBe(true);
    expect(next.body.toString()).toBe(wholeBody(2));
  });

  it("cut while several clients are collapsed onto it: none of them sees it end, none is served it later", async () => {
    const path = chunkedPath("&gap=150");
    await injectFault("app", { mode: "reset-after", bytes: 30, path, times: 1 });
    const answers = await Promise.all(Array.from({ length: 4 }, () => get(path)));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(ended(answer)).toBe(false);
      expect(wholeBody(1).startsWith(answer.body.toString())).toBe(true);
    }
    expect(await requestsFor(path)).toBe(1);
    await sleep(300);
    const next = await get(path);
    expect(ended(next)).toBe(true);
    expect(next.body.toString()).toBe(wholeBody(2));
  });

  it("stalled mid-way: cut once nothing came for the between-bytes timeout, never stored", async () => {
    const path = chunkedPath();
    await injectFault("app", { mode: "stall-after", bytes: 30, path, times: 1 });
    const started = Date.now();
    // Viceroy does not apply the backend's timeout (2 s in this run) to a body appended to a
    // cache insert; the edge's own watchdog, the origin's configured 10 s, cuts it instead.
    const cut = await rawRequest(head(`GET ${path} HTTP/1.1`, "Host: changelog.com", "Connection: close"), { timeoutMs: 30_000 });
    const took = Date.now() - started;
    expect(ended(cut)).toBe(false);
    expect(took).toBeGreaterThanOrEqual(edge().originTimeoutMs - 100);
    expect(took).toBeLessThan(origins.app.betweenBytesTimeout + 5_000);
    await sleep(300);
    const next = await get(path);
    expect(header(next, "x-cache")).toBe("MISS");
    expect(next.body.toString()).toBe(wholeBody(2));
  });
});

describe("a stale chunked copy refreshed in the background", () => {
  it("a cut refresh is checked on the side and dropped, so the stale copy stays; a whole one replaces it", async () => {
    const path = chunkedPath(`&h=${q("surrogate-control:max-age=2, stale-while-revalidate=60")}`);
    expect((await get(path)).body.toString()).toBe(wholeBody(1));
    await sleep(2_200);
    await injectFault("app", { mode: "reset-after", bytes: 30, path, times: 1 });
    const stale = await send(path);
    expect(stale.headers["x-cache"]).toBe("HIT");
    expect(stale.headers["cache-status"]).toMatch(/revalidating/);
    expect(stale.text()).toBe(wholeBody(1));
    await sleep(500);
    // The cut refresh (served 2) replaced nothing; this request refreshes again, whole (served 3).
    const still = await send(path);
    expect(still.text()).toBe(wholeBody(1));
    await sleep(500);
    const fresh = await send(path);
    expect(fresh.headers["cache-status"]).toMatch(/^changelog-edge; hit;/);
    expect(fresh.text()).toBe(wholeBody(3));
    expect(await requestsFor(path)).toBe(3);
  });
});
