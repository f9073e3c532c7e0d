import { describe, expect, it } from "vitest";
import { feedObjects } from "../../src/config/feeds.js";
import { feedObjectFor, originRouting } from "../../src/rules/origin-routing.js";
import { edgeRequest } from "./request.js";

describe("origin routing", () => {
  it("sends app-host pages to the app with their query, keyed with it", () => {
    expect(originRouting(edgeRequest("https://changelog.com/podcast/600?ref=x"))).toEqual({
      kind: "origin",
      origin: "app",
      originPath: "/podcast/600?ref=x",
      cache: { key: "changelog.com/podcast/600?ref=x", surrogateKey: "changelog.com/podcast/600" },
    });
  });

  it("serves unknown hosts as the app host", () => {
    expect(originRouting(edgeRequest("http://127.0.0.1:7676/")).origin).toBe("app");
  });

  it("sends assets-host requests to assets without the query", () => {
    expect(originRouting(edgeRequest("https://cdn.changelog.com/uploads/x.mp3?_=123"))).toEqual({
      kind: "origin",
      origin: "assets",
      originPath: "/uploads/x.mp3",
      cache: { key: "cdn.changelog.com/uploads/x.mp3", surrogateKey: "cdn.changelog.com/uploads/x.mp3" },
    });
  });

  it("sends nightly-host requests to nightly", () => {
    expect(originRouting(edgeRequest("https://nightly.changelog.com/")).origin).toBe("nightly");
  });

  for (const [path, object] of Object.entries(feedObjects)) {
    it(`maps feed ${path} (with or without slash, query dropped) to ${object}`, () => {
      for (const url of [`https://changelog.com${path}`, `https://changelog.com${path}/?cb=1`]) {
        expect(originRouting(edgeRequest(url))).toMatchObject({
          origin: "feeds",
          originPath: object,
          cache: { key: `changelog.com${path}`, surrogateKey: `changelog.com${path}` },
        });
      }
    });
  }

  it("maps /feeds/<name> to /<name>.xml and nothing deeper", () => {
    expect(feedObjectFor("/feeds/A1D5691802E8D20DEA94C6E9821AFBB2")).toBe("/A1D5691802E8D20DEA94C6E9821AFBB2.xml");
    expect(feedObjectFor("/feeds/")).toBeNull();
    expect(feedObjectFor("/feeds/a/b")).toBeNull();
  });

  it("passes methods other than GET and HEAD uncached", () => {
    expect(originRouting(edgeRequest("https://changelog.com/login", { method: "POST" }))).toMatchObject({
      origin: "app",
      cache: null,
      passReason: "method",
    });
  });
});

describe("requests with Authorization (RFC 9111 §3.5)", () => {
  it("pass uncached on every cacheable host", () => {
    for (const url of ["https://changelog.com/podcast/600", "https://changelog.com/podcast/feed", "https://nightly.changelog.com/", "https://cdn.changelog.com/uploads/x.mp3"]) {
      const routed = originRouting(edgeRequest(url, { headers: { authorization: "Bearer x" } }));
      expect(routed).toMatchObject({ cache: null, passReason: "authorization" });
    }
  });

  it("leave requests without it cacheable", () => {
    expect(originRouting(edgeRequest("https://changelog.com/podcast/600")).cache).not.toBeNull();
  });
});
