import { describe, expect, it } from "vitest";
import { cookiePass, cookiesReachOrigin, hasCookies } from "../../../src/rules/cookies.js";
import { edgeRequest } from "../request.js";

const cookie = { cookie: "_changelog_user=abc; theme=night" };

describe("rule 8: cookies", () => {
  it("passes app-host requests with cookies to the app, uncached, path and query unchanged", () => {
    expect(cookiePass(edgeRequest("https://changelog.com/podcast/600?x=1", { headers: cookie }))).toEqual({
      kind: "origin",
      origin: "app",
      originPath: "/podcast/600?x=1",
      cache: null,
      passReason: "cookie",
    });
  });

  it("sends feed paths with cookies to the app too (the old service did; signed-in browsers)", () => {
    expect(cookiePass(edgeRequest("https://changelog.com/podcast/feed", { headers: cookie }))).toMatchObject({
      origin: "app",
      originPath: "/podcast/feed",
      cache: null,
    });
  });

  it("does nothing without a cookie, or with an empty Cookie header", () => {
    expect(cookiePass(edgeRequest("https://changelog.com/podcast/600"))).toBeNull();
    expect(cookiePass(edgeRequest("https://changelog.com/podcast/600", { headers: { cookie: "" } }))).toBeNull();
    expect(hasCookies(new Headers({ cookie: "  " }))).toBe(false);
    expect(hasCookies(new Headers({ cookie: "a=b" }))).toBe(true);
  });

  it("does not pass assets or nightly requests because of cookies", () => {
    expect(cookiePass(edgeRequest("https://cdn.changelog.com/a.mp3", { headers: cookie }))).toBeNull();
    expect(cookiePass(edgeRequest("https://nightly.changelog.com/", { headers: cookie }))).toBeNull();
  });

  it("never lets cookies reach the assets origin", () => {
    expect(cookiesReachOrigin("assets")).toBe(false);
    expect(cookiesReachOrigin("app")).toBe(true);
    expect(cookiesReachOrigin("nightly")).toBe(true);
  });
});
