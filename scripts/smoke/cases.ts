// The smoke cases: the key behaviours of the edge written as data, "METHOD path on host" →
// expected response, in the spirit of js-compute-runtime's tests.json fixtures. The same table
// runs against a local edge, staging and production (scripts/smoke.ts), and can feed any other
// suite that can send a request and compare a response.
//
// Values may hold templates, filled in by the runner (see expect.ts):
//   {episode}            the mp3 path the run was given (--episode)
//   {size}, {size-100}   a number captured from an earlier case, plus or minus a constant
//   {host:changelog.com} the name the target serves a public host as (--host; itself by default)
// Hosts are the public names; a target that serves a site under another name maps them (--host).

import { newsRedirects } from "../../src/config/news-redirects.js";

/** What one response header must be; a plain string must match exactly (after templates). */
export type HeaderExpectation =
  | string
  | { readonly startsWith: string }
  | { readonly contains: string }
  | { readonly present: true }
  | { readonly absent: true }
  | { readonly cacheStatus: CacheStatusExpectation };

/**
 * RFC 9211 Cache-Status: the last list member must be this edge's (`changelog-edge`) with
 * well-formed parameters; optionally a hit, and a `detail` naming the origin.
 */
export interface CacheStatusExpectation {
  /** true: `hit` must be present; false: it must not be. Unset: either. */
  readonly hit?: boolean;
  /** A word the `detail` parameter must contain, e.g. the origin's name. */
  readonly detailWord?: string;
}

export interface BodyExpectation {
  readonly empty?: true;
  /** Exact number of body bytes (a template such as "{size}" is allowed). */
  readonly length?: number | string;
  readonly startsWith?: string;
}

export interface SmokeCase {
  /** The spec rule the case checks: where to read when it fails. */
  readonly rule: string;
  readonly request: {
    readonly method: string;
    /** Public host name, e.g. changelog.com. */
    readonly host: string;
    /** Path and query, may hold templates. */
    readonly path: string;
    readonly headers?: Readonly<Record<string, string>>;
  };
  readonly expect: {
    readonly status: number;
    /** Header names in lower case. */
    readonly headers?: Readonly<Record<string, HeaderExpectation>>;
    readonly body?: BodyExpectation;
  };
  /** Numbers to remember for later cases: variable name → response header. */
  readonly capture?: Readonly<Record<string, string>>;
}

/** The local fixture episode (scripts/origins/fixtures.ts); pass --episode for a real one. */
export const defaultEpisode = "/uploads/podcast/600/the-changelog-600.mp3";

/** "Every response" in the spec: checked on every case in addition to its own expectations. */
export const everyResponse: Readonly<Record<string, HeaderExpectation>> = {
  "strict-transport-security": "max-age=31557600",
  "cache-status": { cacheStatus: {} },
  "x-request-id": { present: true },
};

const [newsPath, newsTarget] = Object.entries(newsRedirects)[0]!;

export const smokeCases: readonly SmokeCase[] = [
  {
    rule: "request rule 1: /health is answered by the edge",
    request: { method: "GET", host: "changelog.com", path: "/health" },
    expect: { status: 204, body: { empty: true } },
  },
  {
    rule: "sites: a page of changelog.com comes from the app",
    request: { method: "GET", host: "changelog.com", path: "/" },
    expect: {
      status: 200,
      headers: { "content-type": { startsWith: "text/html" }, "cache-status": { cacheStatus: { detailWord: "app" } } },
    },
  },
  {
    rule: "request rule 12: a feed path comes from the feeds bucket",
    request: { method: "GET", host: "changelog.com", path: "/podcast/feed" },
    expect: {
      status: 200,
      headers: { "content-type": { contains: "xml" }, "cache-status": { cacheStatus: { detailWord: "feeds" } } },
      body: { startsWith: "<?xml" },
    },
  },
  {
    rule: "caching: the same feed again is served from the edge cache",
    request: { method: "GET", host: "changelog.com", path: "/podcast/feed" },
    expect: {
      status: 200,
      headers: { "cache-status": { cacheStatus: { hit: true, detailWord: "feeds" } }, "x-cache": "HIT" },
    },
  },
  {
    rule: "request rule 12: a feed path with a trailing slash redirects permanently to the feed, query kept",
    request: { method: "GET", host: "changelog.com", path: "/podcast/feed/?from=smoke" },
    expect: { status: 301, headers: { location: "https://{host:changelog.com}/podcast/feed?from=smoke" } },
  },
  {
    rule: "mp3s: HEAD gives the full length, accepts ranges, no body",
    request: { method: "HEAD", host: "cdn.changelog.com", path: "{episode}" },
    expect: {
      status: 200,
      headers: { "accept-ranges": "bytes", "content-type": "audio/mpeg", "content-length": { present: true } },
      body: { empty: true },
    },
    capture: { size: "content-length" },
  },
  {
    // The body length is checked, not Content-Length: a streamed 206 may be sent without one.
    rule: "mp3s: the first kilobyte, exactly",
    request: { method: "GET", host: "cdn.changelog.com", path: "{episode}", headers: { range: "bytes=0-1023" } },
    expect: {
      status: 206,
      headers: {
        "content-range": "bytes 0-1023/{size}",
        "cache-status": { cacheStatus: { detailWord: "assets" } },
      },
      body: { length: 1024 },
    },
  },
  {
    rule: "mp3s: a suffix range, the last 100 bytes",
    request: { method: "GET", host: "cdn.changelog.com", path: "{episode}", headers: { range: "bytes=-100" } },
    expect: {
      status: 206,
      headers: { "content-range": "bytes {size-100}-{size-1}/{size}" },
      body: { length: 100 },
    },
  },
  {
    rule: "mp3s: a range starting at the size is not satisfiable",
    request: { method: "GET", host: "cdn.changelog.com", path: "{episode}", headers: { range: "bytes={size}-" } },
    expect: { status: 416, headers: { "content-range": "bytes */{size}" } },
  },
  {
    rule: "request rule 5: a legacy news mp3 redirects permanently to its new path",
    request: { method: "GET", host: "cdn.changelog.com", path: newsPath },
    expect: { status: 308, headers: { location: `https://cdn.changelog.com${newsTarget}` } },
  },
  {
    rule: "request rule 5: the news redirect keeps the query string",
    request: { method: "GET", host: "cdn.changelog.com", path: `${newsPath}?from=smoke` },
    expect: { status: 308, headers: { location: `https://cdn.changelog.com${newsTarget}?from=smoke` } },
  },
  {
    rule: "request rule 3: www. redirects to the bare host",
    request: { method: "GET", host: "www.changelog.com", path: "/podcast?from=smoke" },
    expect: { status: 301, headers: { location: "https://{host:changelog.com}/podcast?from=smoke" } },
  },
  {
    rule: "request rule 2: a request that came over plain HTTP redirects to HTTPS",
    request: { method: "GET", host: "changelog.com", path: "/podcast?from=smoke", headers: { "x-forwarded-proto": "http" } },
    expect: { status: 301, headers: { location: "https://{host:changelog.com}/podcast?from=smoke" }, body: { empty: true } },
  },
  {
    rule: "request rule 6: the assets host refuses methods that could change anything",
    request: { method: "POST", host: "cdn.changelog.com", path: "{episode}" },
    expect: { status: 405, headers: { allow: "GET, HEAD, OPTIONS, PURGE" } },
  },
  {
    rule: "request rule 4: PURGE without the token is refused",
    request: { method: "PURGE", host: "cdn.changelog.com", path: "{episode}" },
    expect: { status: 401 },
  },
  {
    rule: "request rule 14: nightly is served with Access-Control-Allow-Origin: *",
    request: { method: "GET", host: "nightly.changelog.com", path: "/" },
    expect: {
      status: 200,
      headers: { "access-control-allow-origin": "*", "cache-status": { cacheStatus: { detailWord: "nightly" } } },
    },
  },
];
