// Rule 1 and a plain request reaching each of the four origins, through the real wasm.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixtureBytes, fixtureAt, mp3s } from "../../scripts/origins/fixtures.js";
import { cold, purgeWarmed } from "../shared/cold-cache.js";
import { originRequests, resetOrigins, send } from "./support/edge.js";

beforeEach(resetOrigins);
afterEach(purgeWarmed);

describe("health", () => {
  for (const host of ["changelog.com", "cdn.changelog.com", "nightly.changelog.com", "127.0.0.1"]) {
    it(`GET /health on ${host}: 204 from the edge, no origin touched`, async () => {
      const res = await send("/health", { host });
      expect(res.status).toBe(204);
      expect(res.body.length).toBe(0);
      for (const origin of ["app", "assets", "feeds", "nightly"]) {
        expect(await originRequests(origin)).toEqual([]);
      }
    });
  }

  for (const origin of ["app", "assets", "feeds", "nightly"]) {
    it(`/${origin}_health reaches ${origin}'s /health every time (never cached)`, async () => {
      const first = await send(`/${origin}_health`);
      const second = await send(`/${origin}_health`);
      expect(first.status).toBe(second.status);
      const seen = await originRequests(origin);
      expect(seen.map((r) => r.url)).toEqual(["/health", "/health"]);
    });
  }

  it("answers the origins' own health as they do", async () => {
    expect((await send("/app_health")).status).toBe(200);
    expect((await send("/nightly_health")).status).toBe(204);
  });
});

describe("a plain request reaches each origin", () => {
  it("changelog.com/ comes from the app, with the origin's Host and the public host forwarded", async () => {
    const res = await send("/echo?x=1", { headers: { "x-request-id": "req-abc-123" } });
    expect(res.status).toBe(200);
    const echoed = JSON.parse(res.text()) as { url: string; headers: Record<string, string> };
    expect(echoed.url).toBe("/echo?x=1");
    expect(echoed.headers.host).toBe("changelog-2024-01-12.fly.dev");
    expect(echoed.headers["x-forwarded-host"]).toBe("changelog.com");
    expect(echoed.headers["x-request-id"]).toBe("req-abc-123");
    expect(res.headers["x-request-id"]).toBe("req-abc-123");
    expect(res.headers["strict-transport-security"]).toBe("max-age=31557600");
  });

  it("a feed path comes from the feeds bucket as its object", async () => {
    const res = await send("/podcast/feed");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/xml");
    expect(res.body).toEqual(Buffer.from(fixtureBytes(fixtureAt("/podcast.xml", "feeds"))));
    const seen = await originRequests("feeds");
    expect(seen.map((r) => [r.url, r.headers.host])).toEqual([["/podcast.xml", "feeds.changelog.place"]]);
  });

  it("an mp3 range on cdn.changelog.com comes from the assets bucket with exact bytes", async () => {
    const mp3 = mp3s.oneMB;
    await cold("cdn.changelog.com", mp3.path);
    const res = await send(mp3.path, { host: "cdn.changelog.com", headers: { range: "bytes=1000-1999" } });
    expect(res.status).toBe(206);
    expect(res.headers["content-range"]).toBe(`bytes 1000-1999/${mp3.size}`);
    expect(res.body).toEqual(Buffer.from(fixtureBytes(mp3, 1000, 2000)));
    expect((await originRequests("assets"))[0]?.headers.host).toBe("changelog.place");
  });

  it("nightly.changelog.com comes from the nightly origin", async () => {
    const res = await send("/", { host: "nightly.changelog.com" });
    expect(res.status).toBe(200);
    expect(res.text()).toContain("Changelog Nightly");
    expect((await originRequests("nightly"))[0]?.headers.host).toBe("changelog-nightly-2023-10-10.fly.dev");
  });
});

describe("staging names", () => {
  it("serve the same sites as production's", async () => {
    const mp3 = mp3s.small;
    const asset = await send(mp3.path, { host: "cdn.staging.changelog.com", headers: { range: "bytes=0-9" } });
    expect(asset.status).toBe(206);
    expect(asset.body).toEqual(Buffer.from(fixtureBytes(mp3, 0, 10)));
    const nightly = await send("/", { host: "nightly.staging.changelog.com" });
    expect(nightly.text()).toContain("Changelog Nightly");
  });
});
