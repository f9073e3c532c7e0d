import { describe, expect, it } from "vitest";
import { newsRedirects } from "../../../src/config/news-redirects.js";
import { newsRedirect } from "../../../src/rules/news-redirects.js";
import { edgeRequest } from "../request.js";

const hosts = ["changelog.com", "cdn.changelog.com", "nightly.changelog.com", "127.0.0.1"];
const rows = Object.entries(newsRedirects);

describe("rule 5: legacy news mp3 redirects", () => {
  it("has the spec's 41 rows", () => {
    expect(rows).toHaveLength(41);
  });

  rows.forEach(([oldPath, newPath], i) => {
    const host = hosts[i % hosts.length]!;
    it(`${oldPath} on ${host} → 308 https://cdn.changelog.com${newPath}, query kept`, () => {
      expect(newsRedirect(edgeRequest(`https://${host}${oldPath}`))).toEqual({
        kind: "synthetic",
        status: 308,
        reason: "news-mp3",
        headers: { location: `https://cdn.changelog.com${newPath}` },
        body: "",
      });
      expect(newsRedirect(edgeRequest(`https://${host}${oldPath}?ref=rss&t=1`, { method: "HEAD" }))).toMatchObject({
        status: 308,
        headers: { location: `https://cdn.changelog.com${newPath}?ref=rss&t=1` },
      });
    });
  });

  it("redirects whatever the method (308 keeps it)", () => {
    const [oldPath] = rows[0]!;
    for (const method of ["POST", "PUT", "DELETE", "OPTIONS"]) {
      expect(newsRedirect(edgeRequest(`https://cdn.changelog.com${oldPath}`, { method }))?.kind).toBe("synthetic");
    }
  });

  it("matches whole paths only", () => {
    const [oldPath] = rows[0]!;
    for (const near of [`${oldPath}/`, oldPath.toUpperCase(), oldPath.slice(0, -1), `/x${oldPath}`, `${oldPath}.mp3`]) {
      expect(newsRedirect(edgeRequest(`https://cdn.changelog.com${near}`))).toBeNull();
    }
  });

  it("leaves the new paths alone (no redirect loop)", () => {
    for (const [, newPath] of rows) expect(newsRedirect(edgeRequest(`https://cdn.changelog.com${newPath}`))).toBeNull();
  });
});
