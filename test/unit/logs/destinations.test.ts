// Which lines a request gets, and the endpoint table they go to.

import { describe, expect, it } from "vitest";
import { feedObjects } from "../../../src/config/feeds.js";
import { episodeEndpoints, feedEndpoint, logEndpoints, requestEndpoint } from "../../../src/config/log-endpoints.js";
import { podcasts } from "../../../src/config/podcasts.js";
import { destinationsFor } from "../../../src/logs/destinations.js";
import { edgeRequest } from "../request.js";

const names = (url: string, headers: Record<string, string> = {}) => {
  const d = destinationsFor(edgeRequest(url, { headers }));
  return { episode: d.episode?.name ?? null, feed: d.feed?.name ?? null, request: d.request.name };
};

describe("log destinations", () => {
  for (const podcast of podcasts) {
    it(`an mp3 under /uploads/${podcast.slug}/ on the assets host goes to ${podcast.slug}'s endpoint`, () => {
      const endpoint = episodeEndpoints.get(podcast.slug)!;
      expect(endpoint.name).toContain(podcast.slug);
      expect(endpoint.bucket).toBe(`changelog-logs-${podcast.bucket}`);
      expect(names(`https://cdn.changelog.com/uploads/${podcast.slug}/1/x.mp3?_=1`)).toEqual({
        episode: endpoint.name,
        feed: null,
        request: "requests",
      });
    });
  }

  it("other assets, other hosts and unknown podcasts get only the request line", () => {
    for (const url of [
      "https://cdn.changelog.com/static/css/app.css",
      "https://cdn.changelog.com/uploads/covers/x.png",
      "https://cdn.changelog.com/uploads/podcast",
      "https://cdn.changelog.com/uploads/unknownshow/1/x.mp3",
      "https://cdn.changelog.com/uploadsx/podcast/1/x.mp3",
      "https://changelog.com/uploads/podcast/1/x.mp3",
      "https://nightly.changelog.com/uploads/podcast/1/x.mp3",
    ]) {
      expect(names(url), url).toEqual({ episode: null, feed: null, request: "requests" });
    }
  });

  it("every app-host feed path, with or without a slash, gets a feed line", () => {
    for (const path of [...Object.keys(feedObjects), "/feeds/A1D5691802E8D20DEA94C6E9821AFBB2"]) {
      for (const url of [`https://changelog.com${path}`, `https://changelog.com${path}/?cb=1`]) {
        expect(names(url), url).toEqual({ episode: null, feed: "feeds", request: "requests" });
      }
    }
    expect(names("https://cdn.changelog.com/podcast/feed").feed).toBeNull();
    expect(names("https://changelog.com/podcast").feed).toBeNull();
  });

  it("a request relayed by another Fastly node gets neither an episode nor a feed line", () => {
    expect(names("https://cdn.changelog.com/uploads/podcast/1/x.mp3", { "fastly-ff": "cache-iad1-IAD" })).toEqual({
      episode: null,
      feed: null,
      request: "requests",
    });
    expect(names("https://changelog.com/podcast/feed", { "fastly-ff": "x" }).feed).toBeNull();
  });

  it("a PURGE of an episode or a feed is no download and no subscriber poll: only its request line", () => {
    for (const url of ["https://cdn.changelog.com/uploads/podcast/1/x.mp3", "https://changelog.com/podcast/feed"]) {
      expect(destinationsFor(edgeRequest(url, { method: "PURGE" })), url).toMatchObject({ episode: null, feed: null, request: requestEndpoint });
    }
  });

  it("a request a POP of this service sent the shield gets only its request line; the POP counts it", () => {
    const atShield = (url: string) => destinationsFor(edgeRequest(url), true);
    expect(atShield("https://cdn.changelog.com/uploads/podcast/1/x.mp3")).toMatchObject({ episode: null, feed: null, request: requestEndpoint });
    expect(atShield("https://changelog.com/podcast/feed").feed).toBeNull();
    expect(names("https://cdn.changelog.com/uploads/podcast/1/x.mp3").episode).not.toBeNull();
  });
});

describe("log endpoint table", () => {
  it("has one endpoint per podcast plus feeds and requests, with unique names and buckets", () => {
    expect(logEndpoints).toHaveLength(podcasts.length + 2);
    expect(new Set(logEndpoints.map((e) => e.name)).size).toBe(logEndpoints.length);
    expect(new Set(logEndpoints.map((e) => e.bucket)).size).toBe(logEndpoints.length);
    expect(feedEndpoint.bucket).toBe("changelog-logs-feeds");
    expect(requestEndpoint.format).toBe("request-json");
  });

  it("ships every endpoint uncompressed, unprefixed, at the bucket root, in time-sliced objects", () => {
    for (const endpoint of logEndpoints) {
      expect(endpoint.delivery).toMatchObject({
        path: "/",
        compression: "none",
        messageType: "blank",
        placement: "none",
        timestampFormat: "%Y-%m-%dT%H:%M:%S.000",
      });
    }
  });
});
