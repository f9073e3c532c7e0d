// Rules 12–14 end to end: every feed row reaches the feeds bucket as its object, the query never
// sent, and its slash form is redirected to it; assets lose their query; nightly keeps it and is
// shared with every origin.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { feedObjects } from "../../src/config/feeds.js";
import { fixtureAt, fixtureBytes, mp3s } from "../../scripts/origins/fixtures.js";
import { cold, purgeWarmed } from "../shared/cold-cache.js";
import { originRequests, resetOrigins, send } from "./support/edge.js";

beforeEach(resetOrigins);
afterEach(purgeWarmed);

const app = "changelog.com";

describe("rule 12: app-host feed paths", () => {
  for (const [path, object] of Object.entries(feedObjects)) {
    it(`${path} comes from the feeds bucket as ${object}; ${path}?cb=… is the same object; ${path}/ is a 301 to ${path}`, async () => {
      await cold(app, path);
      const plain = await send(path);
      const cb = `cb=${Date.now()}`;
      const busted = await send(`${path}?${cb}`);
      const slashed = await send(`${path}/?${cb}`);
      const feed = Buffer.from(fixtureBytes(fixtureAt(object, "feeds")));
      expect(plain.status).toBe(200);
      expect(plain.body).toEqual(feed);
      expect(busted.body).toEqual(feed);
      // The cache-buster is neither sent nor part of the key: one origin request.
      expect(busted.headers["x-cache"]).toBe("HIT");
      // The slash form is the edge's redirect to the canonical path, query kept (rules/feed-slash.ts).
      expect(slashed.status).toBe(301);
      expect(slashed.headers.location).toBe(`https://changelog.com${path}?${cb}`);
      const seen = await originRequests("feeds");
      expect(seen.map((r) => r.url)).toEqual([object]);
      expect(seen[0]!.headers.host).toBe("feeds.changelog.place");
      expect(seen[0]!.headers["x-forwarded-host"]).toBe("changelog.com");
      expect(await originRequests("app")).toEqual([]);
      expect(plain.headers["access-control-allow-origin"]).toBe("*");
    });
  }

  it("/feeds/<name> comes from the feeds bucket as /<name>.xml", async () => {
    await cold(app, "/feeds/A1D5691802E8D20DEA94C6E9821AFBB2");
    const res = await send("/feeds/A1D5691802E8D20DEA94C6E9821AFBB2?x=1");
    expect(res.status).toBe(200);
    expect(res.text()).toContain("A1D5691802E8D20DEA94C6E9821AFBB2.xml");
    expect((await originRequests("feeds")).map((r) => r.url)).toEqual(["/A1D5691802E8D20DEA94C6E9821AFBB2.xml"]);
  });

  it("other app-host paths go to the app unchanged, query included", async () => {
    await cold(app, "/podcast/600");
    await send("/podcast/600?ref=x&y=%20z");
    expect((await originRequests("app")).map((r) => r.url)).toEqual(["/podcast/600?ref=x&y=%20z"]);
    expect(await originRequests("feeds")).toEqual([]);
  });
});

describe("rule 13: the assets host", () => {
  it("never sends the query string to the bucket", async () => {
    await cold("cdn.changelog.com", mp3s.small.path);
    const res = await send(`${mp3s.small.path}?utm_source=overcast&_=1`, { host: "cdn.changelog.com", headers: { range: "bytes=10-19" } });
    expect(res.status).toBe(206);
    expect(res.body).toEqual(Buffer.from(fixtureBytes(mp3s.small, 10, 20)));
    const seen = await originRequests("assets");
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen.map((r) => r.url))).toEqual(new Set([mp3s.small.path]));
    expect(seen[0]!.headers.host).toBe("changelog.place");
    expect(seen[0]!.headers["x-forwarded-host"]).toBe("cdn.changelog.com");
  });
});

describe("rule 14: the nightly host", () => {
  it("goes to nightly with its query, and every origin may read it", async () => {
    await cold("nightly.changelog.com", "/?s=go");
    const res = await send("/?s=go", { host: "nightly.changelog.com" });
    expect(res.status).toBe(200);
    expect(res.headers["access-control-allow-origin"]).toBe("*");
    const seen = await originRequests("nightly");
    expect(seen.map((r) => r.url)).toEqual(["/?s=go"]);
    expect(seen[0]!.headers["x-forwarded-host"]).toBe("nightly.changelog.com");
  });

  it("shares even its errors with every origin", async () => {
    const res = await send("/missing", { host: "nightly.changelog.com" });
    expect(res.status).toBe(404);
    expect(res.headers["access-control-allow-origin"]).toBe("*");
  });
});
