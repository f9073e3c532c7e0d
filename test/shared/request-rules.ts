// The request rules as data: "this request → this outcome". The unit suite runs every case
// through `decide()`; the end-to-end suite sends the same requests through the built wasm under
// Viceroy and checks the response and what each origin received. Rule numbers are the spec's
// ("Request rules, in order"); docs/parity.md points here.

import type { OriginName } from "../../src/config/origins.js";

export type Expectation =
  /** The edge answers itself: this status, these headers (exact values), and no origin is touched. */
  | { readonly answer: number; readonly headers?: Readonly<Record<string, string>>; readonly body?: "empty" | "html" }
  /**
   * Forwarded to `origin` as `path` (path and query as the origin sees it); cacheable unless
   * `pass` says why a rule passes it uncached (the Cache-Status detail names that reason).
   */
  | { readonly origin: OriginName; readonly path: string; readonly pass?: "cookie" | "method" }
  /** A PURGE of the object under this surrogate key (the shell checks the token). */
  | { readonly purge: string }
  /** Handed through to the app as a WebSocket (proved end to end with a real handshake). */
  | { readonly websocket: true };

export interface RuleCase {
  readonly rule: string;
  readonly name: string;
  readonly method?: string;
  readonly host: string;
  /** Path and query as sent. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly expect: Expectation;
}

const app = "changelog.com";
const cdn = "cdn.changelog.com";
const nightly = "nightly.changelog.com";
const mp3 = "/uploads/podcast/600/the-changelog-600.mp3";
const newsOld = "/uploads/podcast/news-2022-06-27/the-changelog-news-2022-06-27.mp3";
const newsNew = "/uploads/news/1/changelog-news-1.mp3";
const http = { "x-forwarded-proto": "http" };
const upgrade = { upgrade: "websocket", connection: "Upgrade", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" };
const html = "text/html; charset=utf-8";
const notAllowedOnCdn = { allow: "GET, HEAD, OPTIONS, PURGE", "access-control-allow-origin": "*" };
const notAllowedOnNightly = { allow: "GET, HEAD, PURGE", "access-control-allow-origin": "*" };

export const ruleCases: readonly RuleCase[] = [
  // 1: health comes before everything, even the HTTPS redirect (probes speak plain HTTP).
  { rule: "1", name: "GET /health over plain HTTP is still the edge's 204", host: app, path: "/health", headers: http, expect: { answer: 204 } },
  { rule: "1", name: "PURGE /health is a purge, not a health check", method: "PURGE", host: app, path: "/health", expect: { purge: "changelog.com/health" } },

  // 2: plain HTTP → https on the same host, path and query kept, empty body.
  { rule: "2", name: "plain HTTP on the app host", host: app, path: "/podcast/600?ref=a&b=c", headers: http, expect: { answer: 301, headers: { location: "https://changelog.com/podcast/600?ref=a&b=c" }, body: "empty" } },
  { rule: "2", name: "plain HTTP on the assets host", host: cdn, path: `${mp3}?_=1`, headers: http, expect: { answer: 301, headers: { location: `https://cdn.changelog.com${mp3}?_=1`, "access-control-allow-origin": "*" }, body: "empty" } },
  { rule: "2", name: "plain HTTP on the nightly host", host: nightly, path: "/", headers: http, expect: { answer: 301, headers: { location: "https://nightly.changelog.com/" }, body: "empty" } },
  { rule: "2", name: "plain HTTP on an unknown host goes to the app host it is served as (no redirect to a made-up host)", host: "127.0.0.1", path: "/x", headers: http, expect: { answer: 301, headers: { location: "https://changelog.com/x" }, body: "empty" } },
  { rule: "2", name: "plain HTTP POST is redirected too (nothing reaches the app)", method: "POST", host: app, path: "/login", headers: http, expect: { answer: 301, headers: { location: "https://changelog.com/login" } } },
  { rule: "2", name: "plain HTTP on www: same host first, as HSTS preload requires", host: `www.${app}`, path: "/a", headers: http, expect: { answer: 301, headers: { location: "https://www.changelog.com/a" } } },
  { rule: "2", name: "X-Forwarded-Proto is compared case-insensitively", host: app, path: "/", headers: { "x-forwarded-proto": "HTTP" }, expect: { answer: 301, headers: { location: "https://changelog.com/" } } },
  { rule: "2", name: "the first X-Forwarded-Proto value is the client's", host: app, path: "/", headers: { "x-forwarded-proto": "http, https" }, expect: { answer: 301, headers: { location: "https://changelog.com/" } } },
  { rule: "2", name: "X-Forwarded-Proto: https is served", host: app, path: "/podcast", headers: { "x-forwarded-proto": "https" }, expect: { origin: "app", path: "/podcast" } },
  { rule: "2", name: "an inner proxy's http does not count", host: app, path: "/podcast", headers: { "x-forwarded-proto": "https, http" }, expect: { origin: "app", path: "/podcast" } },

  // 3: www.<host> → the host without www, path and query kept.
  { rule: "3", name: "www.changelog.com", host: `www.${app}`, path: "/podcast/600?t=1", expect: { answer: 301, headers: { location: "https://changelog.com/podcast/600?t=1" }, body: "empty" } },
  { rule: "3", name: "www.cdn.changelog.com", host: `www.${cdn}`, path: mp3, expect: { answer: 301, headers: { location: `https://cdn.changelog.com${mp3}` } } },
  { rule: "3", name: "www.nightly.changelog.com", host: `www.${nightly}`, path: "/2024/01/01", expect: { answer: 301, headers: { location: "https://nightly.changelog.com/2024/01/01" } } },
  { rule: "3", name: "a www host with a port loses the port", host: `www.${app}:443`, path: "/", expect: { answer: 301, headers: { location: "https://changelog.com/" } } },
  { rule: "3", name: "PURGE on a www host is redirected (rule 3 comes first)", method: "PURGE", host: `www.${app}`, path: "/feed", expect: { answer: 301, headers: { location: "https://changelog.com/feed" } } },

  // 4: PURGE names the same surrogate key the URL is cached under for GET.
  { rule: "4", name: "PURGE of an mp3 ignores its query", method: "PURGE", host: cdn, path: `${mp3}?utm_source=x`, expect: { purge: `cdn.changelog.com${mp3}` } },
  { rule: "4", name: "PURGE of a feed with a slash and a query hits the feed's key", method: "PURGE", host: app, path: "/podcast/feed/?cb=123", expect: { purge: "changelog.com/podcast/feed" } },
  { rule: "4", name: "PURGE of an app page", method: "PURGE", host: app, path: "/podcast/600", expect: { purge: "changelog.com/podcast/600" } },
  { rule: "4", name: "PURGE on the nightly host is not refused by rule 6", method: "PURGE", host: nightly, path: "/", expect: { purge: "nightly.changelog.com/" } },
  { rule: "4", name: "PURGE of a legacy news path is a purge, not a redirect", method: "PURGE", host: cdn, path: newsOld, expect: { purge: `cdn.changelog.com${newsOld}` } },
  { rule: "4", name: "PURGE on an unknown host purges the app's key", method: "PURGE", host: "127.0.0.1", path: "/", expect: { purge: "changelog.com/" } },

  // 5: legacy news mp3s (every row is tested in news-redirects tests), any host, any method.
  { rule: "5", name: "news mp3 on the app host keeps its query", host: app, path: `${newsOld}?from=rss`, expect: { answer: 308, headers: { location: `https://cdn.changelog.com${newsNew}?from=rss` }, body: "empty" } },
  { rule: "5", name: "news mp3 POST on the assets host: 308 before rule 6's 405", method: "POST", host: cdn, path: newsOld, expect: { answer: 308, headers: { location: `https://cdn.changelog.com${newsNew}` } } },
  { rule: "5", name: "news mp3 path with a trailing slash is not a news mp3", host: cdn, path: `${newsOld}/`, expect: { origin: "assets", path: `${newsOld}/` } },

  // 6: methods on the assets and nightly hosts.
  ...["POST", "PUT", "DELETE", "PATCH", "PROPFIND"].map(
    (method): RuleCase => ({ rule: "6", name: `${method} on the assets host is refused`, method, host: cdn, path: mp3, expect: { answer: 405, headers: notAllowedOnCdn } }),
  ),
  ...["POST", "PUT", "DELETE", "OPTIONS"].map(
    (method): RuleCase => ({ rule: "6", name: `${method} on the nightly host is refused`, method, host: nightly, path: "/", expect: { answer: 405, headers: notAllowedOnNightly } }),
  ),
  { rule: "6", name: "OPTIONS on the assets host reaches the bucket, uncached", method: "OPTIONS", host: cdn, path: mp3, expect: { origin: "assets", path: mp3, pass: "method" } },
  { rule: "6", name: "HEAD on the assets host is served", method: "HEAD", host: cdn, path: mp3, expect: { origin: "assets", path: mp3 } },
  { rule: "6", name: "POST on the app host goes to the app, uncached", method: "POST", host: app, path: "/login", expect: { origin: "app", path: "/login", pass: "method" } },

  // 7: WebSocket handshakes on the app host only.
  { rule: "7", name: "a WebSocket handshake on the app host is handed to the app", host: app, path: "/live/websocket?vsn=2.0.0", headers: upgrade, expect: { websocket: true } },
  { rule: "7", name: "Upgrade lists are case-insensitive", host: app, path: "/live/websocket", headers: { ...upgrade, upgrade: "h2c, WebSocket" }, expect: { websocket: true } },
  { rule: "7", name: "an Upgrade to something else is an ordinary request", host: app, path: "/podcast", headers: { upgrade: "h2c", connection: "Upgrade" }, expect: { origin: "app", path: "/podcast" } },
  { rule: "7", name: "a WebSocket handshake on the assets host is an ordinary request", host: cdn, path: mp3, headers: upgrade, expect: { origin: "assets", path: mp3 } },

  // 8: cookies.
  { rule: "8", name: "an app page with a cookie goes to the app uncached", host: app, path: "/podcast/600?x=1", headers: { cookie: "_changelog_user=abc" }, expect: { origin: "app", path: "/podcast/600?x=1", pass: "cookie" } },
  { rule: "8", name: "a feed path with a cookie goes to the app, not the feeds bucket", host: app, path: "/podcast/feed", headers: { cookie: "_changelog_user=abc" }, expect: { origin: "app", path: "/podcast/feed", pass: "cookie" } },
  { rule: "8", name: "/rss with a cookie goes to the app (rule 8 comes first)", host: app, path: "/rss", headers: { cookie: "a=b" }, expect: { origin: "app", path: "/rss", pass: "cookie" } },
  { rule: "8", name: "an empty Cookie header is no cookie", host: app, path: "/podcast", headers: { cookie: "" }, expect: { origin: "app", path: "/podcast" } },
  { rule: "8", name: "an mp3 with a cookie is still cacheable", host: cdn, path: mp3, headers: { cookie: "_changelog_user=abc" }, expect: { origin: "assets", path: mp3 } },
  { rule: "8", name: "a nightly page with a cookie is unaffected", host: nightly, path: "/", headers: { cookie: "a=b" }, expect: { origin: "nightly", path: "/" } },

  // 9, 10: the app host's own redirects, each with a one-line HTML body.
  { rule: "9", name: "/rss", host: app, path: "/rss", expect: { answer: 302, headers: { location: "https://changelog.com/feed", "content-type": html }, body: "html" } },
  { rule: "9", name: "/rss/ with a query", host: app, path: "/rss/?x=1", expect: { answer: 302, headers: { location: "https://changelog.com/feed" }, body: "html" } },
  { rule: "9", name: "/rss on the assets host is an asset path", host: cdn, path: "/rss", expect: { origin: "assets", path: "/rss" } },
  { rule: "10", name: "/practicalai", host: app, path: "/practicalai", expect: { answer: 301, headers: { location: "https://practicalai.fm", "content-type": html }, body: "html" } },
  { rule: "10", name: "/practicalai/feed", host: app, path: "/practicalai/feed", expect: { answer: 301, headers: { location: "https://feeds.transistor.fm/practical-ai-machine-learning-data-science-llm" }, body: "html" } },
  { rule: "10", name: "/practicalai/feed/ with a query", host: app, path: "/practicalai/feed/?x", expect: { answer: 301, headers: { location: "https://feeds.transistor.fm/practical-ai-machine-learning-data-science-llm" }, body: "html" } },
  { rule: "10", name: "/practicalai/episodes is the app's", host: app, path: "/practicalai/episodes", expect: { origin: "app", path: "/practicalai/episodes" } },

  // 11: the embed script, on any host.
  ...[app, cdn, nightly].map(
    (host): RuleCase => ({ rule: "11", name: `/embed.js on ${host}`, host, path: "/embed.js", expect: { answer: 200, headers: { "content-type": "application/javascript" } } }),
  ),
  { rule: "11", name: "HEAD /embed.js", method: "HEAD", host: app, path: "/embed.js", expect: { answer: 200, headers: { "content-type": "application/javascript" } } },
  { rule: "11", name: "POST /embed.js is refused", method: "POST", host: app, path: "/embed.js", expect: { answer: 405, headers: { allow: "GET, HEAD" } } },
  { rule: "11", name: "/embed.js?x is still the script", host: app, path: "/embed.js?v=2", expect: { answer: 200 } },
  { rule: "11", name: "/embed.json is not the script", host: app, path: "/embed.json", expect: { origin: "app", path: "/embed.json" } },

  // 12: app-host feed paths (every row is tested in origin-routing tests).
  // 12, the slash form (rules/feed-slash.ts): 301 to the canonical path, query kept, one-line HTML
  // body, so the importer's `/<slug>/feed` and `/feeds/<slug>` grouping counts the client's next request.
  { rule: "12", name: "a feed path with a slash and a cache-buster", host: app, path: "/gotime/feed/?cb=99", expect: { answer: 301, headers: { location: "https://changelog.com/gotime/feed?cb=99", "content-type": html }, body: "html" } },
  { rule: "12", name: "/podcast/feed/", host: app, path: "/podcast/feed/", expect: { answer: 301, headers: { location: "https://changelog.com/podcast/feed", "content-type": html }, body: "html" } },
  { rule: "12", name: "/podcast/feed/ with a query", host: app, path: "/podcast/feed/?cb=6&x=1", expect: { answer: 301, headers: { location: "https://changelog.com/podcast/feed?cb=6&x=1" }, body: "html" } },
  { rule: "12", name: "/feed/", host: app, path: "/feed/", expect: { answer: 301, headers: { location: "https://changelog.com/feed" }, body: "html" } },
  { rule: "12", name: "/feed/ with a query", host: app, path: "/feed/?t=1", expect: { answer: 301, headers: { location: "https://changelog.com/feed?t=1" }, body: "html" } },
  { rule: "12", name: "/feeds/<name>/", host: app, path: "/feeds/A1D5691802E8D20DEA94C6E9821AFBB2/", expect: { answer: 301, headers: { location: "https://changelog.com/feeds/A1D5691802E8D20DEA94C6E9821AFBB2" }, body: "html" } },
  { rule: "12", name: "/feeds/<name>/ with a query", host: app, path: "/feeds/podcast/?cb=2", expect: { answer: 301, headers: { location: "https://changelog.com/feeds/podcast?cb=2" }, body: "html" } },
  { rule: "12", name: "HEAD of a feed path with a slash", method: "HEAD", host: app, path: "/jsparty/feed/", expect: { answer: 301, headers: { location: "https://changelog.com/jsparty/feed" } } },
  { rule: "12", name: "a feed path with a slash and a cookie is redirected too (before rule 8)", host: app, path: "/shipit/feed/", headers: { cookie: "_changelog_user=abc" }, expect: { answer: 301, headers: { location: "https://changelog.com/shipit/feed" }, body: "html" } },
  { rule: "12", name: "a feed path with a slash on an unknown host goes to changelog.com (no redirect to a made-up host)", host: "127.0.0.1", path: "/afk/feed/", expect: { answer: 301, headers: { location: "https://changelog.com/afk/feed" }, body: "html" } },
  { rule: "12", name: "a feed path with a slash on staging stays on staging", host: "staging.changelog.com", path: "/friends/feed/?a=b", expect: { answer: 301, headers: { location: "https://staging.changelog.com/friends/feed?a=b" }, body: "html" } },
  { rule: "12", name: "POST of a feed path with a slash is not redirected (it is no subscription)", method: "POST", host: app, path: "/news/feed/", expect: { origin: "feeds", path: "/news.xml", pass: "method" } },
  { rule: "12", name: "an app page with a slash is not redirected", host: app, path: "/podcast/600/?x=1", expect: { origin: "app", path: "/podcast/600/?x=1" } },
  { rule: "12", name: "/feeds/ alone is the app's", host: app, path: "/feeds/", expect: { origin: "app", path: "/feeds/" } },
  { rule: "12", name: "/feeds/<a>/<b>/ is not a feed", host: app, path: "/feeds/a/b/", expect: { origin: "app", path: "/feeds/a/b/" } },
  { rule: "12", name: "a feed path with a slash on the assets host is an asset path", host: cdn, path: "/podcast/feed/", expect: { origin: "assets", path: "/podcast/feed/" } },
  { rule: "12", name: "/feeds/<name>", host: app, path: "/feeds/A1D5691802E8D20DEA94C6E9821AFBB2?x=1", expect: { origin: "feeds", path: "/A1D5691802E8D20DEA94C6E9821AFBB2.xml" } },
  { rule: "12", name: "/feeds/<a>/<b> is the app's", host: app, path: "/feeds/a/b", expect: { origin: "app", path: "/feeds/a/b" } },
  { rule: "12", name: "an app page keeps its query", host: app, path: "/podcast/600?ref=x", expect: { origin: "app", path: "/podcast/600?ref=x" } },
  { rule: "12", name: "an unknown host is the app", host: "127.0.0.1", path: "/podcast", expect: { origin: "app", path: "/podcast" } },
  { rule: "12", name: "a feed path on an unknown host is a feed", host: "127.0.0.1", path: "/feed", expect: { origin: "feeds", path: "/feed.xml" } },

  // 13: the assets host never sends the query.
  { rule: "13", name: "an mp3 with podcast-app trackers", host: cdn, path: `${mp3}?utm_source=overcast&_=1`, expect: { origin: "assets", path: mp3 } },
  { rule: "13", name: "an image goes as is (no auto=webp: Image Optimizer is not used)", host: cdn, path: "/uploads/covers/the-changelog-original.png?w=300", expect: { origin: "assets", path: "/uploads/covers/the-changelog-original.png" } },

  // 14: nightly keeps its query.
  { rule: "14", name: "nightly pages go to nightly", host: nightly, path: "/?s=go", expect: { origin: "nightly", path: "/?s=go" } },
];
