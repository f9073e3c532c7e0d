// Rule 8 end to end: app requests with cookies go to the app, uncached, cookies and all; asset
// requests never carry cookies to the bucket.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mp3s } from "../../scripts/origins/fixtures.js";
import { cold, purgeWarmed } from "../shared/cold-cache.js";
import { originRequests, resetOrigins, send } from "./support/edge.js";

beforeEach(resetOrigins);
afterEach(purgeWarmed);

const cookie = "_changelog_user=SFMyNTY; theme=night";

describe("rule 8: cookies", () => {
  it("an app page with a cookie reaches the app every time, cookie included, marked as passed", async () => {
    const first = await send("/echo?page=1", { headers: { cookie } });
    const second = await send("/echo?page=1", { headers: { cookie } });
    for (const res of [first, second]) {
      expect(res.headers["cache-status"]).toMatch(/fwd=bypass;.*detail="[^"]*origin=app[^"]*cookie/);
      expect((JSON.parse(res.text()) as { headers: Record<string, string> }).headers.cookie).toBe(cookie);
    }
    expect((await originRequests("app")).map((r) => r.url)).toEqual(["/echo?page=1", "/echo?page=1"]);
  });

  it("a signed-in visitor's feed request goes to the app, not the feeds bucket", async () => {
    const res = await send("/podcast/feed", { headers: { cookie } });
    expect(res.status).toBe(200);
    expect((await originRequests("app")).map((r) => r.url)).toEqual(["/podcast/feed"]);
    expect(await originRequests("feeds")).toEqual([]);
  });

  it("the app's Set-Cookie reaches the client", async () => {
    const res = await send("/set-cookie", { headers: { cookie } });
    expect(res.headers["set-cookie"]).toEqual(["_changelog_user=abc; Path=/; HttpOnly"]);
  });

  it("an mp3 request's cookies never reach the assets bucket, and do not make it uncacheable", async () => {
    await cold("cdn.changelog.com", mp3s.small.path);
    const res = await send(mp3s.small.path, { host: "cdn.changelog.com", headers: { cookie, range: "bytes=0-9" } });
    expect(res.status).toBe(206);
    // No rule passed it because of the cookie (Cache-Status would name "cookie").
    expect(res.headers["cache-status"]).not.toMatch(/detail="[^"]*\bcookie\b/);
    const seen = await originRequests("assets");
    expect(seen.length).toBeGreaterThan(0);
    for (const request of seen) {
      expect(request.headers.cookie).toBeUndefined();
      expect(request.url).toBe(mp3s.small.path);
    }
  });

  it("OPTIONS on the assets host (passed uncached) does not carry cookies either", async () => {
    await send("/static/css/app.css", { host: "cdn.changelog.com", method: "OPTIONS", headers: { cookie } });
    const [seen] = await originRequests("assets");
    expect(seen!.method).toBe("OPTIONS");
    expect(seen!.headers.cookie).toBeUndefined();
  });
});
