import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { feedObjects } from "../../../src/config/feeds.js";
import { originRouting } from "../../../src/rules/origin-routing.js";
import { purgeRule as purge } from "../../../src/rules/purge.js";
import { edgeRequest } from "../request.js";
import { anyPath, anyQuery } from "./arbitraries.js";

describe("rule 4: PURGE", () => {
  it("turns PURGE into a purge of the URL's surrogate key", () => {
    expect(purge(edgeRequest("https://cdn.changelog.com/uploads/a.mp3?x=1", { method: "PURGE" }))).toEqual({
      kind: "purge",
      url: "https://cdn.changelog.com/uploads/a.mp3?x=1",
      surrogateKey: "cdn.changelog.com/uploads/a.mp3",
    });
  });

  it("leaves other methods alone", () => {
    for (const method of ["GET", "HEAD", "POST", "DELETE"]) {
      expect(purge(edgeRequest("https://cdn.changelog.com/a.mp3", { method }))).toBeNull();
    }
  });

  for (const path of Object.keys(feedObjects)) {
    it(`purges feed ${path} under its GET key, with or without slash and query`, () => {
      const get = originRouting(edgeRequest(`https://changelog.com${path}`));
      for (const variant of [path, `${path}/`, `${path}?cb=1`, `${path}/?cb=1`]) {
        expect(purge(edgeRequest(`https://changelog.com${variant}`, { method: "PURGE" }))?.surrogateKey).toBe(
          get.cache?.surrogateKey,
        );
      }
    });
  }

  it("always names the key a GET of the same URL is cached under", () => {
    const host = fc.constantFrom("changelog.com", "cdn.changelog.com", "nightly.changelog.com", "127.0.0.1", "example.org");
    fc.assert(
      fc.property(host, anyPath, anyQuery, (h, path, query) => {
        const url = `https://${h}${path}${query}`;
        const key = purge(edgeRequest(url, { method: "PURGE" }))?.surrogateKey;
        expect(key).toBe(originRouting(edgeRequest(url)).cache?.surrogateKey);
        expect(key).toMatch(/^[\x21-\x7e]{1,1024}$/);
      }),
    );
  });
});
