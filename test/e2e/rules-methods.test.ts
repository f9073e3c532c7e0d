// Rule 6 end to end: refused methods on the assets and nightly hosts are answered by the edge
// with the exact Allow list, and nothing of them (not even an upload's body) reaches an origin.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { originNames } from "../../src/config/origins.js";
import { mp3s } from "../../scripts/origins/fixtures.js";
import { cold, purgeWarmed } from "../shared/cold-cache.js";
import { originRequests, resetOrigins, send } from "./support/edge.js";

beforeEach(resetOrigins);
afterEach(purgeWarmed);

async function noOriginTouched(): Promise<void> {
  for (const origin of originNames) expect(await originRequests(origin), origin).toEqual([]);
}

describe("rule 6: methods on the assets and nightly hosts", () => {
  it("an upload to the assets host is refused before any byte reaches the bucket", async () => {
    const body = Buffer.alloc(1024 * 1024, 7);
    const res = await send(mp3s.small.path, { host: "cdn.changelog.com", method: "PUT", body, headers: { "content-type": "audio/mpeg" } });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("GET, HEAD, OPTIONS, PURGE");
    expect(res.headers["access-control-allow-origin"]).toBe("*");
    expect(res.text()).toBe("Method Not Allowed: this site accepts GET, HEAD, OPTIONS, PURGE.\n");
    await noOriginTouched();
  });

  it("a form post to the nightly host is refused with nightly's Allow list", async () => {
    const res = await send("/subscribe", { host: "nightly.changelog.com", method: "POST", body: "email=a%40b.c", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("GET, HEAD, PURGE");
    await noOriginTouched();
  });

  it("the allowed methods are served from their origins", async () => {
    await cold("cdn.changelog.com", mp3s.small.path);
    await cold("nightly.changelog.com", "/");
    expect((await send(mp3s.small.path, { host: "cdn.changelog.com", method: "HEAD" })).status).toBe(200);
    expect((await send("/", { host: "nightly.changelog.com", method: "HEAD" })).status).toBe(200);
    expect((await send("/static/css/app.css", { host: "cdn.changelog.com", method: "OPTIONS" })).status).toBeLessThan(500);
    // (A HEAD miss is fetched with GET so the cache can keep the object: see docs/caching.md.)
    expect(new Set((await originRequests("assets")).map((r) => r.url))).toEqual(new Set([mp3s.small.path, "/static/css/app.css"]));
    expect((await originRequests("nightly")).map((r) => r.url)).toEqual(["/"]);
  });

  it("the app host takes any method to the app (the app decides)", async () => {
    const res = await send("/echo", { method: "POST", body: "a=1", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBe(200);
    expect((JSON.parse(res.text()) as { method: string }).method).toBe("POST");
  });
});
