// Rule 4 end to end: a PURGE names the key its URL is cached under for GET, so a purge of a
// feed written with a trailing slash and a cache-buster evicts the feed clients get.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cold, purgeWarmed } from "../shared/cold-cache.js";
import { edge, originRequests, resetOrigins, send } from "./support/edge.js";

beforeEach(resetOrigins);
afterEach(purgeWarmed);

const feedUrls = async () => (await originRequests("feeds")).map((r) => r.url);

describe("rule 4: PURGE", () => {
  it("of /podcast/feed/?cb=… evicts /podcast/feed", async () => {
    await cold("changelog.com", "/podcast/feed");
    await send("/podcast/feed");
    expect((await send("/podcast/feed")).headers["x-cache"]).toBe("HIT");
    const purged = await send(`/podcast/feed/?cb=${Date.now()}`, { method: "PURGE", headers: { "purge-token": edge().purgeToken } });
    expect(purged.status).toBe(200);
    expect(JSON.parse(purged.text())).toMatchObject({ surrogateKey: "changelog.com/podcast/feed" });
    const after = await send("/podcast/feed");
    expect(after.headers["x-cache"]).toBe("MISS");
    expect(await feedUrls()).toEqual(["/podcast.xml", "/podcast.xml"]);
  });

  it("of a feed on an unknown host (a local run) evicts the changelog.com feed", async () => {
    await cold("changelog.com", "/gotime/feed");
    await send("/gotime/feed");
    const purged = await send("/gotime/feed", { method: "PURGE", host: "127.0.0.1", headers: { "purge-token": edge().purgeToken } });
    expect(purged.status).toBe(200);
    expect((await send("/gotime/feed")).headers["x-cache"]).toBe("MISS");
  });

  it("without the token is refused and evicts nothing", async () => {
    await cold("changelog.com", "/jsparty/feed");
    await send("/jsparty/feed");
    const refused = await send("/jsparty/feed/", { method: "PURGE" });
    expect(refused.status).toBe(401);
    expect((await send("/jsparty/feed")).headers["x-cache"]).toBe("HIT");
    expect(await feedUrls()).toEqual(["/jsparty.xml"]);
  });
});
