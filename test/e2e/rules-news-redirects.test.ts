// Rule 5 end to end: every legacy news mp3 row, on every kind of host, answered by the edge.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newsRedirects } from "../../src/config/news-redirects.js";
import { originNames } from "../../src/config/origins.js";
import { fixtureAt, fixtureBytes } from "../../scripts/origins/fixtures.js";
import { cold, purgeWarmed } from "../shared/cold-cache.js";
import { originRequests, resetOrigins, send } from "./support/edge.js";

beforeEach(resetOrigins);
afterEach(purgeWarmed);

const hosts = ["changelog.com", "cdn.changelog.com", "nightly.changelog.com", "127.0.0.1"];

describe("rule 5: legacy news mp3 redirects", () => {
  Object.entries(newsRedirects).forEach(([oldPath, newPath], i) => {
    const host = hosts[i % hosts.length]!;
    const query = i % 2 === 0 ? "" : `?ref=row${i}`;
    it(`${oldPath}${query} on ${host} → 308 to the assets host`, async () => {
      const res = await send(`${oldPath}${query}`, { host });
      expect(res.status).toBe(308);
      expect(res.headers.location).toBe(`https://cdn.changelog.com${newPath}${query}`);
      expect(res.body.length).toBe(0);
      for (const origin of originNames) expect(await originRequests(origin)).toEqual([]);
    });
  });

  it("the first episode's new location serves the mp3", async () => {
    const [oldPath, newPath] = Object.entries(newsRedirects)[0]!;
    const redirected = await send(oldPath, { host: "cdn.changelog.com" });
    const location = new URL(String(redirected.headers.location));
    await cold(location.host, location.pathname);
    const res = await send(location.pathname, { host: location.host, headers: { range: "bytes=0-99" } });
    expect(res.status).toBe(206);
    expect(res.body).toEqual(Buffer.from(fixtureBytes(fixtureAt(newPath), 0, 100)));
  });
});
