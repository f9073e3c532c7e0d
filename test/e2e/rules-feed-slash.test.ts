// Rule 12's slash form end to end (src/rules/feed-slash.ts): a feed path with a trailing slash is
// the edge's 301 to the canonical path, query kept; no origin is asked; the 301 writes exactly one
// feed line, and the request the client makes next, on the canonical path, is one the app's
// subscriber importer counts.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { logEndpoints } from "../../src/config/log-endpoints.js";
import { originNames } from "../../src/config/origins.js";
import { redirectHtml } from "../../src/http/redirect.js";
import { cold, purgeWarmed } from "../shared/cold-cache.js";
import { feedLinesFor, uniqueAgent, watchLog, type LogWatch } from "../support/viceroy-log.js";
import { edge, originRequests, resetOrigins, send } from "./support/edge.js";

let log: LogWatch;
beforeEach(async () => {
  await resetOrigins();
  log = watchLog(edge().logPath, new Set(logEndpoints.map((e) => e.name)));
});
// The follow-up request fills /podcast/feed: later files count its origin requests from cold.
afterEach(purgeWarmed);

async function originsAsked(): Promise<string[]> {
  const asked: string[] = [];
  for (const origin of originNames) for (const r of await originRequests(origin)) asked.push(`${origin} ${r.url}`);
  return asked;
}

/**
 * The subscriber importer's grouping as issue 13 states it: the URL without its query is a
 * feed when it is `/<slug>/feed` or `/feeds/<slug>`; any other URL is not counted.
 */
function subscriberGroup(url: string): string | null {
  const path = url.split("?")[0]!;
  return /^\/[^/]+\/feed$/.test(path) || /^\/feeds\/[^/]+$/.test(path) ? path : null;
}

const cases = [
  ["/podcast/feed/", "/podcast/feed"],
  ["/podcast/feed/?cb=6", "/podcast/feed?cb=6"],
  ["/feed/", "/feed"],
  ["/feed/?t=1&u=a%20b", "/feed?t=1&u=a%20b"],
  ["/feeds/A1D5691802E8D20DEA94C6E9821AFBB2/", "/feeds/A1D5691802E8D20DEA94C6E9821AFBB2"],
  ["/feeds/podcast/?cb=7", "/feeds/podcast?cb=7"],
] as const;

describe("rule 12, the slash form: a 301 to the canonical path", () => {
  for (const [path, canonical] of cases) {
    it(`${path} → 301 https://changelog.com${canonical}, no origin asked, one feed line with status 301`, async () => {
      const agent = uniqueAgent("slash");
      const res = await send(path, { headers: { "user-agent": agent } });
      expect(res.status).toBe(301);
      expect(res.headers.location).toBe(`https://changelog.com${canonical}`);
      expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(res.text()).toBe(redirectHtml(`https://changelog.com${canonical}`));
      expect(await originsAsked()).toEqual([]);
      const lines = await feedLinesFor(log, agent);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        host: "changelog.com",
        url: path,
        request_method: "GET",
        response_status: 301,
        response_reason: "Moved Permanently",
        response_body_size: res.body.length,
      });
    });
  }

  it("HEAD is the same 301 without a body, and its one feed line", async () => {
    const agent = uniqueAgent("slash-head");
    const res = await send("/jsparty/feed/?cb=1", { method: "HEAD", headers: { "user-agent": agent } });
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe("https://changelog.com/jsparty/feed?cb=1");
    expect(res.body.length).toBe(0);
    expect(await originsAsked()).toEqual([]);
    const lines = await feedLinesFor(log, agent);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ url: "/jsparty/feed/?cb=1", request_method: "HEAD", response_status: 301, response_body_size: 0 });
  });

  it("a cookie does not change it", async () => {
    const res = await send("/shipit/feed/", { headers: { cookie: "_changelog_user=abc" } });
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe("https://changelog.com/shipit/feed");
    expect(await originsAsked()).toEqual([]);
  });

  it("www first, then the slash: www.changelog.com/podcast/feed/ takes two redirects to /podcast/feed", async () => {
    const first = await send("/podcast/feed/?cb=2", { host: "www.changelog.com" });
    expect(first.status).toBe(301);
    expect(first.headers.location).toBe("https://changelog.com/podcast/feed/?cb=2");
    const second = await send("/podcast/feed/?cb=2");
    expect(second.status).toBe(301);
    expect(second.headers.location).toBe("https://changelog.com/podcast/feed?cb=2");
    expect(await originsAsked()).toEqual([]);
  });

  it("a client that follows it is counted: the slash URL is not one of the importer's groups, the canonical one is", async () => {
    const agent = uniqueAgent("slash-follow");
    await cold("changelog.com", "/podcast/feed");
    const moved = await send("/podcast/feed/?cb=8", { headers: { "user-agent": agent } });
    const location = new URL(String(moved.headers.location));
    const followed = await send(location.pathname + location.search, { headers: { "user-agent": agent } });
    expect(followed.status).toBe(200);
    await log.waitFor((l) => l.endpoint === "requests" && JSON.parse(l.message).user_agent === agent, 2);
    const lines = await feedLinesFor(log, agent);
    expect(lines.map((l) => [l.url, l.response_status])).toEqual([
      ["/podcast/feed/?cb=8", 301],
      ["/podcast/feed?cb=8", 200],
    ]);
    expect(lines.map((l) => subscriberGroup(String(l.url)))).toEqual([null, "/podcast/feed"]);
  });

  it("PURGE of a slash URL is still a purge (rule 4 comes first)", async () => {
    const res = await send("/podcast/feed/?cb=9", { method: "PURGE" });
    expect(res.status).toBe(401);
    expect(await originsAsked()).toEqual([]);
  });

  it("other paths with a slash are not redirected", async () => {
    for (const [path, origin, asked] of [
      ["/feeds/", "app", "/feeds/"],
      ["/feeds/a/b/", "app", "/feeds/a/b/"],
    ] as const) {
      await resetOrigins();
      const res = await send(path, { headers: { cookie: "a=b" } });
      expect(res.status, path).not.toBe(301);
      expect(await originsAsked(), path).toEqual([`${origin} ${asked}`]);
    }
  });
});
