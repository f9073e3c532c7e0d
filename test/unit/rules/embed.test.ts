import { describe, expect, it } from "vitest";
import { browserAssetTimes } from "../../../src/config/cache-times.js";
import { embed, embedEtag, noneMatch } from "../../../src/rules/embed.js";
import { embedScript, playerOrigin } from "../../../src/rules/embed-script.js";
import { commands, fakePage } from "../../shared/embed-dom.js";
import { edgeRequest } from "../request.js";

describe("rule 11: /embed.js", () => {
  for (const host of ["changelog.com", "cdn.changelog.com", "nightly.changelog.com"]) {
    it(`is served by the edge on ${host}, as JavaScript, cacheable like an asset`, () => {
      expect(embed(edgeRequest(`https://${host}/embed.js`))).toEqual({
        kind: "synthetic",
        status: 200,
        reason: "embed",
        headers: {
          "content-type": "application/javascript",
          "cache-control": `public, max-age=${browserAssetTimes.fresh}, stale-while-revalidate=${browserAssetTimes.staleWhileRevalidate}, stale-if-error=${browserAssetTimes.staleIfError}`,
          etag: embedEtag,
        },
        body: embedScript,
      });
    });
  }

  it("is fresh for the assets' day (the spec's; the edge revalidates its own copies of assets every few minutes)", () => {
    expect(browserAssetTimes.fresh).toBe(86_400);
  });

  it("answers a matching If-None-Match with 304 and no body (RFC 9110 §13.1.2)", () => {
    for (const inm of [embedEtag, `W/${embedEtag}`, `"other", ${embedEtag}`, "*"]) {
      expect(embed(edgeRequest("https://changelog.com/embed.js", { headers: { "if-none-match": inm } }))).toMatchObject({
        status: 304,
        body: "",
        headers: { etag: embedEtag },
      });
    }
    expect(embed(edgeRequest("https://changelog.com/embed.js", { headers: { "if-none-match": '"old"' } }))).toMatchObject({ status: 200 });
    expect(noneMatch(null, embedEtag)).toBe(false);
  });

  it("refuses methods other than GET and HEAD", () => {
    expect(embed(edgeRequest("https://changelog.com/embed.js", { method: "HEAD" }))).toMatchObject({ status: 200 });
    expect(embed(edgeRequest("https://changelog.com/embed.js", { method: "POST" }))).toMatchObject({
      status: 405,
      headers: { allow: "GET, HEAD" },
    });
  });

  it("is /embed.js exactly", () => {
    for (const path of ["/embed.jsx", "/embed.js/", "/x/embed.js", "/Embed.js"]) {
      expect(embed(edgeRequest(`https://changelog.com${path}`))).toBeNull();
    }
  });
});

describe("the embed script, run in a page", () => {
  const href = "https://blog.example/post?id=7&x=a b#top";
  const episodes: Record<string, string>[] = [
    { "data-src": "https://changelog.com/podcast/600/embed", "data-theme": "day" },
    { "data-src": "https://changelog.com/gotime/300/embed" },
    { "data-src": "https://changelog.com/jsparty/1/embed?start=30" },
  ];

  it("replaces each .changelog-episode element with the player's iframe", () => {
    const page = fakePage({ href, episodes });
    page.run(embedScript);
    const frames = page.iframes();
    expect(frames).toHaveLength(3);
    expect(page.body.children.every((c) => c.tag === "iframe")).toBe(true);
    const referrer = encodeURIComponent(href);
    expect(frames.map((f) => f.getAttribute("src"))).toEqual([
      `https://changelog.com/podcast/600/embed?theme=day&referrer=${referrer}`,
      `https://changelog.com/gotime/300/embed?theme=night&referrer=${referrer}`,
      `https://changelog.com/jsparty/1/embed?start=30&theme=night&referrer=${referrer}`,
    ]);
    for (const frame of frames) {
      expect(frame.getAttribute("width")).toBe("100%");
      expect(frame.getAttribute("height")).toBe("220");
      expect(frame.getAttribute("title")).toBe("Changelog Podcast");
    }
  });

  it("pauses the other players when one starts playing", () => {
    const page = fakePage({ href, episodes });
    page.run(embedScript);
    const [a, b, c] = page.iframes() as [any, any, any];
    page.message(playerOrigin, JSON.stringify({ context: "player.js", event: "ready", value: {} }), a.contentWindow);
    expect(commands(a)).toMatchObject([{ context: "player.js", method: "addEventListener", value: "play" }]);
    expect(commands(b)).toEqual([]);
    expect(a.contentWindow.received[0].targetOrigin).toBe(playerOrigin);

    page.message(playerOrigin, JSON.stringify({ context: "player.js", event: "play", listener: commands(a)[0]!.listener }), a.contentWindow);
    expect(commands(a).map((m) => m.method)).toEqual(["addEventListener"]);
    expect(commands(b).map((m) => m.method)).toEqual(["pause"]);
    expect(commands(c).map((m) => m.method)).toEqual(["pause"]);
  });

  it("ignores messages from other origins, other protocols and malformed ones", () => {
    const page = fakePage({ href, episodes });
    page.run(embedScript);
    const [a, b] = page.iframes() as [any, any];
    page.message("https://evil.example", JSON.stringify({ context: "player.js", event: "play" }), a.contentWindow);
    page.message(playerOrigin, JSON.stringify({ context: "other", event: "play" }), a.contentWindow);
    page.message(playerOrigin, "{not json", a.contentWindow);
    page.message(playerOrigin, null, a.contentWindow);
    expect(commands(a)).toEqual([]);
    expect(commands(b)).toEqual([]);
  });

  it("skips elements whose data-src is missing or not a web address", () => {
    const page = fakePage({ href, episodes: [{}, { "data-src": "javascript:alert(1)" }, { "data-src": "data:text/html,x" }] });
    page.run(embedScript);
    expect(page.iframes()).toEqual([]);
  });

  it("waits for the document when it is included in the head", () => {
    const page = fakePage({ href, episodes, loading: true });
    page.run(embedScript);
    expect(page.iframes()).toHaveLength(0);
    page.loaded();
    expect(page.iframes()).toHaveLength(3);
  });
});
