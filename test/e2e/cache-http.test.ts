// HTTP caching semantics on the cached app/feeds/nightly path under Viceroy: conditional
// requests answered from cache (RFC 9110 §13.2.2), Vary (RFC 9111 §4.1), Authorization
// (§3.5), the origin's Age and Date (§5.1, §4.2.3), 304 refreshes updating stored headers
// (§4.3.4), Connection-named headers (RFC 9110 §7.6.1), null-body statuses such as 204, and
// answers that cannot be stored remembered as such (hit-for-pass).

import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cold, purgeWarmed } from "../shared/cold-cache.js";
import { originRequests, resetOrigins, send } from "./support/edge.js";

beforeEach(resetOrigins);
// The feed test warms a feed other files count origin requests for: it leaves it cold again.
afterEach(purgeWarmed);

const unique = () => randomUUID().slice(0, 8);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const appUrls = async () => (await originRequests("app")).map((r) => r.url);
/** A /respond URL of the local app with the given response headers. */
const respond = (headers: Record<string, string>, extra: Record<string, string> = {}) => {
  const query = new URLSearchParams({ id: unique(), ...extra });
  for (const [name, value] of Object.entries(headers)) query.append("h", `${name}:${value}`);
  return `/respond?${query.toString()}`;
};
const lastModified = "Tue, 24 Nov 2026 10:00:00 GMT";

describe("conditional requests answered from cache (RFC 9110 §13.2.2)", () => {
  it("a fresh hit with a matching If-None-Match is a 304 with validators, no body, no origin request", async () => {
    const path = `/cacheable?id=${unique()}`;
    const first = await send(path);
    const conditional = await send(path, { headers: { "if-none-match": 'W/"other", W/"stable"' } });
    expect(conditional.status).toBe(304);
    expect(conditional.body.length).toBe(0);
    expect(conditional.headers.etag).toBe('"stable"');
    expect(conditional.headers["cache-control"]).toBe("public, max-age=30");
    expect(conditional.headers["content-type"]).toBeUndefined();
    expect(conditional.headers["x-cache"]).toBe("HIT");
    expect(conditional.headers["cache-status"]).toMatch(/^changelog-edge; hit; /);
    const other = await send(path, { headers: { "if-none-match": '"changed"' } });
    expect(other.status).toBe(200);
    expect(other.text()).toBe(first.text());
    expect(await appUrls()).toEqual([path]);
  });

  it("a miss answers a matching If-None-Match with 304 from the copy it just stored", async () => {
    const path = `/cacheable?id=${unique()}`;
    const res = await send(path, { headers: { "if-none-match": '"stable"' } });
    expect(res.status).toBe(304);
    expect(res.headers["cache-status"]).toMatch(/fwd=uri-miss; stored/);
    const requests = await originRequests("app");
    expect(requests).toHaveLength(1);
    // The client's validator is the edge's business: the origin was asked for the whole object.
    expect(requests[0]!.headers["if-none-match"]).toBeUndefined();
    const full = await send(path);
    expect(full.status).toBe(200);
    expect(full.text()).toBe("served 1\n");
  });

  it("If-Modified-Since counts only without If-None-Match, and HEAD is answered too", async () => {
    const path = respond({ "last-modified": lastModified, etag: '"lm"' });
    await send(path);
    const ims = await send(path, { headers: { "if-modified-since": lastModified } });
    expect(ims.status).toBe(304);
    expect(ims.headers["last-modified"]).toBe(lastModified);
    const older = await send(path, { headers: { "if-modified-since": "Mon, 23 Nov 2026 10:00:00 GMT" } });
    expect(older.status).toBe(200);
    const both = await send(path, { headers: { "if-none-match": '"nope"', "if-modified-since": lastModified } });
    expect(both.status).toBe(200);
    const head = await send(path, { method: "HEAD", headers: { "if-none-match": '"lm"' } });
    expect(head.status).toBe(304);
    expect(await appUrls()).toEqual([path]);
  });

  it("a stale copy served while revalidating answers 304 too", async () => {
    const sc = encodeURIComponent("max-age=1, stale-while-revalidate=600");
    const path = `/cacheable?id=${unique()}&sc=${sc}`;
    await send(path);
    await sleep(1_300);
    const stale = await send(path, { headers: { "if-none-match": '"stable"' } });
    expect(stale.status).toBe(304);
    expect(stale.headers["cache-status"]).toMatch(/stale revalidating"$/);
  });

  it("a feed poll with the feed's ETag gets 304 without asking the bucket again", async () => {
    await cold("changelog.com", "/podcast/feed");
    const first = await send("/podcast/feed");
    expect(first.status).toBe(200);
    const etag = first.headers.etag as string;
    expect(etag).toBeTruthy();
    const before = (await originRequests("feeds")).length;
    const poll = await send("/podcast/feed?cb=2", { headers: { "if-none-match": etag } });
    expect(poll.status).toBe(304);
    expect(poll.body.length).toBe(0);
    expect(poll.headers.etag).toBe(etag);
    expect(await originRequests("feeds")).toHaveLength(before);
  });
});

describe("Vary (RFC 9111 §4.1)", () => {
  it("a response with Vary: Foo stored for Foo: 1 is not served to Foo: 2", async () => {
    const path = respond({ vary: "Foo" });
    const one = await send(path, { headers: { foo: "1" } });
    const two = await send(path, { headers: { foo: "2" } });
    const oneAgain = await send(path, { headers: { foo: "1" } });
    const twoAgain = await send(path, { headers: { foo: "2" } });
    expect(one.text()).toBe("served 1 foo=1\n");
    expect(two.text()).toBe("served 2 foo=2\n");
    expect(two.headers["x-cache"]).toBe("MISS");
    expect(oneAgain.text()).toBe(one.text());
    expect(oneAgain.headers["x-cache"]).toBe("HIT");
    expect(twoAgain.text()).toBe(two.text());
    expect(twoAgain.headers["x-cache"]).toBe("HIT");
    expect(await appUrls()).toEqual([path, path]);
  });

  it("Vary: * is never stored", async () => {
    const path = respond({ vary: "*" });
    const first = await send(path);
    await send(path);
    expect(first.headers["cache-status"]).toMatch(/vary-star"$/);
    expect(await appUrls()).toEqual([path, path]);
  });
});

describe("Authorization (RFC 9111 §3.5)", () => {
  it("a request with Authorization is passed uncached and never served from cache", async () => {
    const path = `/cacheable?id=${unique()}`;
    await send(path);
    const authorized = await send(path, { headers: { authorization: "Bearer secret" } });
    expect(authorized.text()).toBe("served 2\n");
    expect(authorized.headers["cache-status"]).toMatch(/authorization"$/);
    const again = await send(path);
    expect(again.text()).toBe("served 1\n");
    expect(await appUrls()).toEqual([path, path]);
  });
});

describe("answers that cannot be stored are remembered (hit-for-pass)", () => {
  it("requests for them never queue behind one another, and HEAD keeps the Content-Length", async () => {
    const delayMs = 1500;
    const path = respond({ "cache-control": "private" }, { ms: String(delayMs) });
    const first = await send(path);
    expect(first.status).toBe(200);
    expect(first.headers["cache-status"]).toMatch(/fwd=uri-miss;.*cache-control-private/);
    await resetOrigins();
    // Collapsed onto one another, each would wait for the previous answer (4 × 1.5 s).
    const answers = await Promise.all([0, 1, 2, 3].map(() => send(path)));
    const arrivals = (await originRequests("app")).map((r) => r.at);
    expect(arrivals).toHaveLength(4);
    // All four were at the origin before its first answer could have come back.
    expect(Math.max(...arrivals) - Math.min(...arrivals)).toBeLessThan(delayMs);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.headers["cache-status"]).toMatch(/fwd=bypass;.*hit-for-pass cache-control-private/);
    }

    const head = await send(path, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers["content-length"]).toBe(String(first.body.length));
  });
});

describe("the origin's Age and Date", () => {
  it("the copy starts as old as the origin says, and keeps the origin's Date", async () => {
    const path = respond({ age: "30", date: lastModified, "content-type": "text/plain" });
    const first = await send(path);
    expect(first.headers.age).toBe("30");
    expect(first.headers["cache-status"]).toMatch(/; stored; ttl=30; /);
    await sleep(1_100);
    const hit = await send(path);
    expect(hit.headers["x-cache"]).toBe("HIT");
    expect(Number(hit.headers.age)).toBeGreaterThanOrEqual(31);
    expect(hit.headers.date).toBe(lastModified);
    expect(await appUrls()).toEqual([path]);
  });
});

describe("a 304 during a refresh (RFC 9111 §4.3.4)", () => {
  it("updates the stored headers with the 304's", async () => {
    const query = new URLSearchParams({ id: unique() });
    for (const h of ['etag:"v1"', "surrogate-control:max-age=1, stale-while-revalidate=600", "x-version:1", "x-kept:yes"]) {
      query.append("h", h);
    }
    query.append("h304", "x-version:2");
    const path = `/respond?${query.toString()}`;
    const first = await send(path);
    expect(first.headers["x-version"]).toBe("1");
    await sleep(1_300);
    const stale = await send(path);
    expect(stale.headers["x-version"]).toBe("1");
    await sleep(300);
    const after = await send(path);
    expect(after.headers["x-cache"]).toBe("HIT");
    expect(after.headers["x-version"]).toBe("2");
    expect(after.headers["x-kept"]).toBe("yes");
    expect(after.text()).toBe(first.text());
    const requests = await originRequests("app");
    expect(requests).toHaveLength(2);
    expect(requests[1]!.headers["if-none-match"]).toBe('"v1"');
  });
});

describe("a 304 that makes the stored response unstorable", () => {
  it("drops the stored copy: the next request goes to the origin, and is not served the old one", async () => {
    const query = new URLSearchParams({ id: unique() });
    for (const h of ['etag:"v1"', "surrogate-control:max-age=1, stale-while-revalidate=600"]) query.append("h", h);
    // RFC 9111 §4.3.4: the 304's Cache-Control replaces the stored one, and no-store forbids keeping it.
    query.append("h304", "cache-control:no-store");
    const path = `/respond?${query.toString()}`;
    const first = await send(path);
    expect(first.text()).toMatch(/^served 1 /);
    await sleep(1_300);
    const stale = await send(path);
    expect(stale.headers["cache-status"]).toMatch(/stale revalidating"$/);
    await sleep(300);
    const after = await send(path);
    expect(after.headers["x-cache"]).not.toBe("HIT");
    expect(after.headers["cache-status"]).not.toMatch(/; hit;|stale/);
    // The local app counts every request for the URL, the 304 included: this is its third.
    expect(after.text()).toMatch(/^served 3 /);
    const requests = await originRequests("app");
    expect(requests.map((r) => r.headers["if-none-match"] ?? null)).toEqual([null, '"v1"', null]);
  });
});

describe("Connection-named headers (RFC 9110 §7.6.1)", () => {
  it("are never stored nor served from cache", async () => {
    const path = respond({ connection: "X-Secret", "x-secret": "1", "x-fine": "1" });
    const first = await send(path);
    const hit = await send(path);
    for (const res of [first, hit]) {
      expect(res.headers["x-secret"]).toBeUndefined();
      expect(res.headers["x-fine"]).toBe("1");
    }
    expect(hit.headers["x-cache"]).toBe("HIT");
  });

  it("are not passed on to the client from an answer that is not stored either", async () => {
    const path = respond({ connection: "X-Secret", "x-secret": "1", "x-fine": "1" });
    for (const res of [await send(path, { headers: { authorization: "Bearer x" } }), await send(respond({ connection: "X-Secret", "x-secret": "1", vary: "*" }))]) {
      expect(res.headers["x-secret"]).toBeUndefined();
      expect(res.headers.connection ?? "").not.toMatch(/x-secret/i);
    }
  });
});

describe("null-body statuses", () => {
  it("a cacheable 204 is stored and served without a body", async () => {
    const path = respond({ "cache-control": "public, max-age=60" }, { status: "204" });
    const first = await send(path);
    const hit = await send(path);
    expect(first.status).toBe(204);
    expect(hit.status).toBe(204);
    expect(hit.body.length).toBe(0);
    expect(hit.headers["content-length"]).toBeUndefined();
    expect(hit.headers["x-cache"]).toBe("HIT");
    expect(await appUrls()).toEqual([path]);
  });
});
