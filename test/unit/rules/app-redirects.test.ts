import { describe, expect, it } from "vitest";
import { appRedirects } from "../../../src/config/app-redirects.js";
import { appRedirect } from "../../../src/rules/app-redirects.js";
import { edgeRequest } from "../request.js";

describe("rules 9 and 10: the app host's redirects", () => {
  it("has the spec's targets", () => {
    expect(appRedirects).toEqual({
      "/rss": { status: 302, location: "https://changelog.com/feed" },
      "/practicalai": { status: 301, location: "https://practicalai.fm" },
      "/practicalai/feed": {
        status: 301,
        location: "https://feeds.transistor.fm/practical-ai-machine-learning-data-science-llm",
      },
    });
  });

  for (const [path, { status, location }] of Object.entries(appRedirects)) {
    it(`${path} (with or without slash and query) → ${status} ${location}, one-line HTML body`, () => {
      for (const variant of [path, `${path}/`, `${path}?x=1`]) {
        expect(appRedirect(edgeRequest(`https://changelog.com${variant}`))).toEqual({
          kind: "synthetic",
          status,
          reason: `redirect ${path}`,
          headers: { location, "content-type": "text/html; charset=utf-8" },
          body: `<html><body>You are being <a href="${location}">redirected</a>.</body></html>\n`,
        });
      }
    });

    it(`${path} is the app host's only`, () => {
      expect(appRedirect(edgeRequest(`https://cdn.changelog.com${path}`))).toBeNull();
      expect(appRedirect(edgeRequest(`https://nightly.changelog.com${path}`))).toBeNull();
    });
  }

  it("matches whole paths only", () => {
    for (const path of ["/rss2", "/rss//", "/RSS", "/practicalai/feed/x", "/practicalaifm", "/"]) {
      expect(appRedirect(edgeRequest(`https://changelog.com${path}`))).toBeNull();
    }
  });
});
