import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { feedObjects } from "../../../src/config/feeds.js";
import { withoutDotSegments } from "../../../src/edge-request.js";
import { redirectHtml } from "../../../src/http/redirect.js";
import { feedPathFor } from "../../../src/rules/origin-routing.js";
import { feedSlashRedirect } from "../../../src/rules/feed-slash.js";
import { edgeRequest } from "../request.js";
import { anyPath, anyQuery } from "./arbitraries.js";

const html = "text/html; charset=utf-8";

function movedTo(location: string) {
  return {
    kind: "synthetic",
    status: 301,
    reason: "feed-slash",
    headers: { location, "content-type": html },
    body: redirectHtml(location),
  };
}

describe("rule 12, the slash form: a feed path with a trailing slash → 301 to the canonical path", () => {
  for (const path of Object.keys(feedObjects)) {
    it(`${path}/ and ${path}/?cb=6 → https://changelog.com${path}, query kept`, () => {
      expect(feedSlashRedirect(edgeRequest(`https://changelog.com${path}/`))).toEqual(movedTo(`https://changelog.com${path}`));
      expect(feedSlashRedirect(edgeRequest(`https://changelog.com${path}/?cb=6&x=a%20b`))).toEqual(
        movedTo(`https://changelog.com${path}?cb=6&x=a%20b`),
      );
    });
  }

  it("/feeds/<name>/ → /feeds/<name>, query kept", () => {
    expect(feedSlashRedirect(edgeRequest("https://changelog.com/feeds/A1D5691802E8D20DEA94C6E9821AFBB2/"))).toEqual(
      movedTo("https://changelog.com/feeds/A1D5691802E8D20DEA94C6E9821AFBB2"),
    );
    expect(feedSlashRedirect(edgeRequest("https://changelog.com/feeds/podcast/?cb=1"))).toEqual(
      movedTo("https://changelog.com/feeds/podcast?cb=1"),
    );
  });

  it("answers HEAD like GET", () => {
    expect(feedSlashRedirect(edgeRequest("https://changelog.com/feed/", { method: "HEAD" }))).toEqual(
      movedTo("https://changelog.com/feed"),
    );
  });

  it("a cookie does not change it", () => {
    expect(feedSlashRedirect(edgeRequest("https://changelog.com/feed/", { headers: { cookie: "_changelog_user=a" } }))).toEqual(
      movedTo("https://changelog.com/feed"),
    );
  });

  it("leaves other methods to their route (a redirected POST may come back as a GET)", () => {
    for (const method of ["POST", "PUT", "DELETE", "OPTIONS", "PATCH", "PURGE"]) {
      expect(feedSlashRedirect(edgeRequest("https://changelog.com/podcast/feed/", { method })), method).toBeNull();
    }
  });

  it("leaves the canonical path, non-feed paths and what is not a feed with the slash removed alone", () => {
    for (const path of [
      "/podcast/feed",
      "/podcast/feed?cb=1",
      "/feeds/podcast",
      "/podcast/",
      "/podcast/600/",
      "/",
      "/feeds/",
      "/feeds//",
      "/feeds/a/b/",
      "/podcast/feed//",
      "/podcast/feed/x/",
      "/PODCAST/FEED/",
      "/practicalai/feed/",
      "/rss/",
    ]) {
      expect(feedSlashRedirect(edgeRequest(`https://changelog.com${path}`)), path).toBeNull();
    }
  });

  it("is the app site's only", () => {
    for (const host of ["cdn.changelog.com", "nightly.changelog.com", "cdn.staging.changelog.com", "nightly.staging.changelog.com"]) {
      expect(feedSlashRedirect(edgeRequest(`https://${host}/podcast/feed/`)), host).toBeNull();
    }
  });

  it("keeps the edge's own app names (staging) and sends any other host to changelog.com", () => {
    expect(feedSlashRedirect(edgeRequest("https://staging.changelog.com/podcast/feed/?cb=1"))).toEqual(
      movedTo("https://staging.changelog.com/podcast/feed?cb=1"),
    );
    for (const host of ["127.0.0.1", "evil.example", "localhost", "changelog.com.evil.example"]) {
      expect(feedSlashRedirect(edgeRequest(`https://${host}/podcast/feed/`)), host).toEqual(movedTo("https://changelog.com/podcast/feed"));
    }
  });

  it("for any path and query: redirects exactly the slash forms feedPathFor accepts, to its canonical path on an https URL", () => {
    fc.assert(
      fc.property(
        fc.oneof(anyPath, fc.constantFrom(...Object.keys(feedObjects), "/feeds/x", "/feeds/", "/feeds")),
        fc.constantFrom("", "/", "//"),
        anyQuery,
        (base, slash, query) => {
          // A path as the request view holds it: parsed, dot segments removed.
          const path = withoutDotSegments(`${base}${slash}`);
          const req = { ...edgeRequest("https://changelog.com/"), path, query };
          const decision = feedSlashRedirect(req);
          const feed = feedPathFor(path);
          const wanted = path.endsWith("/") && feed !== null && feed.canonical !== path;
          expect(decision !== null).toBe(wanted);
          if (!decision || decision.kind !== "synthetic") return;
          expect(decision.status).toBe(301);
          const location = decision.headers.location!;
          expect(location).toMatch(/^https:\/\/changelog\.com\/[\x21-\x7e]*$/);
          expect(new URL(location).host).toBe("changelog.com");
          expect(location).toBe(`https://changelog.com${feed!.canonical}${query}`);
          expect(feedPathFor(new URL(location).pathname)?.canonical).toBe(feed!.canonical);
        },
      ),
      { numRuns: 500 },
    );
  });
});
