// Rule 11 end to end: /embed.js as the edge serves it, run in a page.

import { beforeEach, describe, expect, it } from "vitest";
import { originNames } from "../../src/config/origins.js";
import { commands, fakePage } from "../shared/embed-dom.js";
import { originRequests, resetOrigins, send } from "./support/edge.js";

beforeEach(resetOrigins);

describe("rule 11: /embed.js", () => {
  it("is a working script: it turns episode elements into players that pause each other", async () => {
    const res = await send("/embed.js", { host: "changelog.com" });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/javascript");
    const page = fakePage({
      href: "https://blog.example/post",
      episodes: [{ "data-src": "https://changelog.com/podcast/600/embed" }, { "data-src": "https://changelog.com/gotime/1/embed", "data-theme": "day" }],
    });
    page.run(res.text());
    const [a, b] = page.iframes() as [any, any];
    expect(a.getAttribute("src")).toBe("https://changelog.com/podcast/600/embed?theme=night&referrer=https%3A%2F%2Fblog.example%2Fpost");
    expect(b.getAttribute("src")).toBe("https://changelog.com/gotime/1/embed?theme=day&referrer=https%3A%2F%2Fblog.example%2Fpost");
    page.message("https://changelog.com", JSON.stringify({ context: "player.js", event: "play" }), b.contentWindow);
    expect(commands(a).map((m) => m.method)).toEqual(["pause"]);
    expect(commands(b)).toEqual([]);
    for (const origin of originNames) expect(await originRequests(origin)).toEqual([]);
  });

  it("is cached like an asset: public, the assets' day, revalidated with its ETag", async () => {
    const res = await send("/embed.js", { host: "cdn.changelog.com" });
    expect(res.headers["cache-control"]).toBe("public, max-age=86400, stale-while-revalidate=172800, stale-if-error=604800");
    const etag = String(res.headers.etag);
    expect(etag).toMatch(/^"embed-[0-9a-f]{8}"$/);
    const again = await send("/embed.js", { host: "cdn.changelog.com", headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
  });

  it("HEAD gives the headers and no body", async () => {
    const get = await send("/embed.js");
    const head = await send("/embed.js", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers["content-type"]).toBe("application/javascript");
    expect(head.headers.etag).toBe(get.headers.etag);
  });
});
