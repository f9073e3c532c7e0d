import { describe, expect, it } from "vitest";
import { main } from "../../scripts/purge.js";
import { apiPurgeRequest, surrogateKeyForUrl } from "../../src/purge-plan.js";

describe("purge by URL", () => {
  it("finds the key the edge stores a URL's objects under", () => {
    expect(surrogateKeyForUrl("https://cdn.changelog.com/uploads/podcast/600/the-changelog-600.mp3?from=rss")).toBe(
      "cdn.changelog.com/uploads/podcast/600/the-changelog-600.mp3",
    );
    expect(surrogateKeyForUrl("https://changelog.com/podcast/feed/")).toBe("changelog.com/podcast/feed");
    expect(surrogateKeyForUrl("https://changelog.com/news/123?x=1")).toBe("changelog.com/news/123");
  });

  it("builds a soft batch purge of the Fastly API by default", () => {
    expect(apiPurgeRequest("SVC1", "tok", ["a/b", "c"], true)).toEqual({
      url: "https://api.fastly.com/service/SVC1/purge",
      method: "POST",
      headers: { "fastly-key": "tok", "surrogate-key": "a/b c", accept: "application/json", "fastly-soft-purge": "1" },
    });
    expect(apiPurgeRequest("SVC1", "tok", ["a"], false).headers["fastly-soft-purge"]).toBeUndefined();
  });

  it("sends the purge with the credentials from the environment", async () => {
    const calls: [string, RequestInit][] = [];
    const fakeFetch = (async (url: string, init: RequestInit) => {
      calls.push([url, init]);
      return new Response('{"status":"ok"}', { status: 200 });
    }) as unknown as typeof fetch;
    const code = await main(
      ["https://changelog.com/gotime/feed", "--hard"],
      { FASTLY_API_TOKEN: "t0k", FASTLY_SERVICE_ID: "S" },
      fakeFetch,
    );
    expect(code).toBe(0);
    expect(calls).toHaveLength(1);
    expect(calls[0]![0]).toBe("https://api.fastly.com/service/S/purge");
    expect(calls[0]![1].headers).toMatchObject({ "surrogate-key": "changelog.com/gotime/feed", "fastly-key": "t0k" });
  });

  it("refuses to run without credentials or URLs", async () => {
    expect(await main(["https://changelog.com/feed"], {})).toBe(2);
    expect(await main([], { FASTLY_API_TOKEN: "t", FASTLY_SERVICE_ID: "s" })).toBe(2);
  });
});
