// The smoke suite's own tests: templates, the Cache-Status check, and the case runner against a
// local node:http server that plays an edge: a correct one (every case of the real table
// passes), and broken ones (the case that should notice, does).

import type { IncomingMessage, ServerResponse } from "node:http";
import { beforeEach, describe, expect, it } from "vitest";
import { newsRedirects } from "../../src/config/news-redirects.js";
import { parseArgs } from "../../scripts/smoke.js";
import { loopbackServer } from "../support/loopback-server.js";
import { defaultEpisode, everyResponse, smokeCases, type SmokeCase } from "../../scripts/smoke/cases.js";
import { actualHost, cacheStatusMismatch, fill, MissingVariable, parseCacheStatus } from "../../scripts/smoke/expect.js";
import { bodyCap, formatResult, runCases, targetFor, type CaseResult } from "../../scripts/smoke/runner.js";

describe("templates", () => {
  it("fills variables, offsets from numeric ones, and mapped hosts", () => {
    const vars = { size: "1048583", episode: "/a.mp3" };
    expect(fill("bytes {size-100}-{size-1}/{size}", vars, {})).toBe("bytes 1048483-1048582/1048583");
    expect(fill("{episode}?x={size+1}", vars, {})).toBe("/a.mp3?x=1048584");
    expect(fill("https://{host:changelog.com}/", vars, { "changelog.com": "staging.example" })).toBe("https://staging.example/");
    expect(fill("https://{host:changelog.com}/", vars, {})).toBe("https://changelog.com/");
  });

  it("refuses a variable no case captured, and arithmetic on a non-number", () => {
    expect(() => fill("bytes 0-1/{size}", {}, {})).toThrow(MissingVariable);
    expect(() => fill("{size-1}", { size: "lots" }, {})).toThrow(/not a whole number/);
  });

  it("maps www. hosts through their bare host", () => {
    const hosts = { "changelog.com": "staging.example" };
    expect(actualHost("www.changelog.com", hosts)).toBe("www.staging.example");
    expect(actualHost("www.changelog.com", { ...hosts, "www.changelog.com": "w.example" })).toBe("w.example");
    expect(actualHost("cdn.changelog.com", hosts)).toBe("cdn.changelog.com");
  });
});

describe("Cache-Status (RFC 9211)", () => {
  it("accepts this edge's member in the shapes the edge writes", () => {
    expect(cacheStatusMismatch('changelog-edge; detail="pop=local region=local origin=edge"', {})).toBeNull();
    expect(cacheStatusMismatch('changelog-edge; fwd=uri-miss; stored; ttl=60; detail="pop=IAD origin=app"', { detailWord: "app" })).toBeNull();
    expect(cacheStatusMismatch('changelog-edge; hit; ttl=-5; detail="pop=IAD origin=feeds stale"', { hit: true, detailWord: "feeds" })).toBeNull();
  });

  it("reads the last member as the edge's, since each cache appends its own", () => {
    expect(cacheStatusMismatch('"R2"; hit, changelog-edge; fwd=uri-miss', {})).toBeNull();
    expect(cacheStatusMismatch("changelog-edge; hit, Other; fwd=miss", {})).toMatch(/last member is "Other"/);
  });

  it("rejects what RFC 9211 does not allow", () => {
    expect(cacheStatusMismatch("HIT", {})).toMatch(/expected changelog-edge/);
    expect(cacheStatusMismatch("changelog-edge; fwd=nope", {})).toMatch(/not an RFC 9211 reason/);
    expect(cacheStatusMismatch("changelog-edge; ttl=soon", {})).toMatch(/ttl must be an integer/);
    expect(cacheStatusMismatch("changelog-edge; hit; fwd=miss", {})).toMatch(/both hit and fwd/);
    expect(cacheStatusMismatch("changelog-edge; origin=app", {})).toMatch(/unknown parameter origin/);
    expect(cacheStatusMismatch('changelog-edge; detail="open', {})).toMatch(/not an RFC 9211 list/);
    expect(cacheStatusMismatch("changelog-edge;", {})).toMatch(/not an RFC 9211 list/);
  });

  it("checks hit and the origin named in detail when asked", () => {
    expect(cacheStatusMismatch("changelog-edge; fwd=uri-miss", { hit: true })).toBe("expected a hit");
    expect(cacheStatusMismatch("changelog-edge; hit", { hit: false })).toBe("expected no hit");
    expect(cacheStatusMismatch("changelog-edge; hit", { detailWord: "feeds" })).toMatch(/no detail/);
    expect(cacheStatusMismatch('changelog-edge; detail="origin=feedsx"', { detailWord: "feeds" })).toMatch(/does not name feeds/);
  });

  it("parses strings with escapes", () => {
    const [member] = parseCacheStatus('changelog-edge; detail="a \\"quoted\\" \\\\ word"');
    expect(member!.params.get("detail")).toBe('a "quoted" \\ word');
  });
});

describe("targets and arguments", () => {
  it("connects to the base URL over plain HTTP and sends public hosts", () => {
    expect(targetFor("http://127.0.0.1:7676")).toEqual({ scheme: "http", connectHost: "127.0.0.1", port: 7676, hosts: {} });
  });

  it("over HTTPS takes the base host as the name changelog.com is served as", () => {
    expect(targetFor("https://changelog.com").hosts).toEqual({});
    expect(targetFor("https://stage.example", { "cdn.changelog.com": "cdn.stage.example" }).hosts).toEqual({
      "changelog.com": "stage.example",
      "cdn.changelog.com": "cdn.stage.example",
    });
    expect(targetFor("https://changelog.com").port).toBe(443);
  });

  it("refuses base URLs it cannot use", () => {
    expect(() => targetFor("127.0.0.1:7676")).toThrow();
    expect(() => targetFor("ftp://x")).toThrow(/not http/);
    expect(() => targetFor("http://x/path")).toThrow(/no path/);
  });

  it("parses the command line", () => {
    expect(parseArgs(["http://127.0.0.1:7676/"])).toEqual({
      baseUrl: "http://127.0.0.1:7676", episode: defaultEpisode, hosts: {}, timeoutMs: 30_000,
    });
    const args = parseArgs(["https://s.example", "--episode=/e.mp3", "--host", "cdn.changelog.com=C.s.example", "--timeout", "5000"]);
    expect(args).toMatchObject({ episode: "/e.mp3", hosts: { "cdn.changelog.com": "c.s.example" }, timeoutMs: 5000 });
    expect(() => parseArgs([])).toThrow(/base URL is required/);
    expect(() => parseArgs(["http://a", "--host", "nothing"])).toThrow(/--host wants/);
    expect(() => parseArgs(["http://a", "--episode", "e.mp3"])).toThrow(/starting with/);
    expect(() => parseArgs(["http://a", "--verbose"])).toThrow(/unknown option/);
  });
});

// ---- A pretend edge on loopback ----

const episodeSize = 1_048_583;
const [newsPath, newsTarget] = Object.entries(newsRedirects)[0]!;

/** Ways to break the pretend edge, one at a time. */
interface Breakage {
  contentRangeOffByOne?: boolean;
  noHsts?: boolean;
  ignoreRange?: boolean;
  neverHit?: boolean;
  hang?: boolean;
}

let breakage: Breakage = {};
const hostsSeen: string[] = [];
let feedRequests = 0;

/** Answers every smoke case as the spec says (unless `breakage` says otherwise). */
function pretendEdge(req: IncomingMessage, res: ServerResponse): void {
  if (breakage.hang) return;
  const host = req.headers.host ?? "";
  hostsSeen.push(host);
  const url = new URL(req.url ?? "/", "http://x");
  const headers: Record<string, string> = { "x-request-id": "r-1" };
  if (!breakage.noHsts) headers["strict-transport-security"] = "max-age=31557600";
  let cacheStatus = 'changelog-edge; detail="pop=TST origin=edge"';
  const send = (status: number, more: Record<string, string> = {}, body?: Buffer | string) => {
    res.writeHead(status, { ...headers, "cache-status": cacheStatus, ...more });
    res.end(req.method === "HEAD" ? undefined : body);
  };
  const origin = (name: string, hit = false) => {
    cacheStatus = hit ? `changelog-edge; hit; ttl=50; detail="pop=TST origin=${name}"` : `changelog-edge; fwd=uri-miss; stored; detail="pop=TST origin=${name}"`;
  };
  if (url.pathname === "/health") return send(204);
  if (host.startsWith("www.")) return send(301, { location: `https://${host.slice(4)}${url.pathname}${url.search}` });
  if (req.headers["x-forwarded-proto"] === "http") return send(301, { location: `https://${host}${url.pathname}${url.search}` });
  if (url.pathname === newsPath) return send(308, { location: `https://cdn.changelog.com${newsTarget}${url.search}` });
  if (host === "cdn.changelog.com") {
    if (req.method === "PURGE") return send(401, {}, "Purge-Token required\n");
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, { allow: "GET, HEAD, OPTIONS, PURGE" });
    origin("assets");
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
    if (!range || breakage.ignoreRange) {
      return send(200, { "accept-ranges": "bytes", "content-type": "audio/mpeg", "content-length": String(episodeSize) }, Buffer.alloc(episodeSize));
    }
    const start = range[1] === "" ? episodeSize - Number(range[2]) : Number(range[1]);
    const end = range[1] === "" || range[2] === "" ? episodeSize - 1 : Math.min(Number(range[2]), episodeSize - 1);
    if (start >= episodeSize) return send(416, { "content-range": `bytes */${episodeSize}` });
    const shownEnd = breakage.contentRangeOffByOne ? end + 1 : end;
    return send(206, { "content-range": `bytes ${start}-${shownEnd}/${episodeSize}`, "content-type": "audio/mpeg" }, Buffer.alloc(end - start + 1));
  }
  if (host === "nightly.changelog.com") {
    origin("nightly");
    return send(200, { "access-control-allow-origin": "*", "content-type": "text/html" }, "<!doctype html>");
  }
  if (url.pathname === "/podcast/feed/") return send(301, { location: `https://${host}/podcast/feed${url.search}` });
  if (url.pathname === "/podcast/feed") {
    origin("feeds", feedRequests++ > 0 && !breakage.neverHit);
    return send(200, { "content-type": "application/xml", "x-cache": cacheStatus.includes("hit") ? "HIT" : "MISS" }, '<?xml version="1.0"?><rss/>');
  }
  origin("app");
  return send(200, { "content-type": "text/html; charset=utf-8" }, "<!doctype html>");
}

describe("the case runner against a pretend edge", () => {
  const edge = loopbackServer(pretendEdge);
  beforeEach(() => {
    breakage = {};
    hostsSeen.length = 0;
    feedRequests = 0;
  });

  const run = (cases: readonly SmokeCase[] = smokeCases, timeoutMs = 5_000): Promise<CaseResult[]> =>
    runCases(cases, targetFor(edge.base()), { vars: { episode: defaultEpisode }, every: everyResponse, timeoutMs });
  const failures = (results: CaseResult[]) => results.filter((r) => !r.passed).map((r) => `${r.label}: ${r.problems.join("; ")}`);

  it("passes every case of the table against an edge that follows the spec", async () => {
    const results = await run();
    expect(failures(results)).toEqual([]);
    expect(results).toHaveLength(smokeCases.length);
  });

  it("sends each case's public host as Host while connecting to the base URL", async () => {
    await run();
    expect(new Set(hostsSeen)).toEqual(new Set(["changelog.com", "cdn.changelog.com", "www.changelog.com", "nightly.changelog.com"]));
  });

  it("sends mapped host names when the target serves a site under another name", async () => {
    const results = await runCases(smokeCases.filter((c) => c.request.host === "www.changelog.com"), targetFor(edge.base(), { "changelog.com": "stage.example" }), {
      vars: { episode: defaultEpisode }, every: everyResponse,
    });
    expect(hostsSeen).toEqual(["www.stage.example"]);
    expect(failures(results)).toEqual([]);
  });

  it("fails exactly the range cases when Content-Range is off by one", async () => {
    breakage.contentRangeOffByOne = true;
    const failed = (await run()).filter((r) => !r.passed);
    expect(failed.map((r) => r.case.request.headers?.range)).toEqual(["bytes=0-1023", "bytes=-100"]);
    expect(failed[0]!.problems).toEqual([`content-range "bytes 0-1024/${episodeSize}", expected "bytes 0-1023/${episodeSize}"`]);
  });

  it("fails every case when a header every response needs is missing", async () => {
    breakage.noHsts = true;
    const results = await run();
    expect(results.every((r) => !r.passed && r.problems.some((p) => p.startsWith("strict-transport-security missing")))).toBe(true);
  });

  it("stops reading a body past the cap and reports it when a range was ignored", async () => {
    breakage.ignoreRange = true;
    const first = (await run()).find((r) => r.case.request.headers?.range === "bytes=0-1023")!;
    expect(first.passed).toBe(false);
    expect(first.problems).toContain(`body has more than ${bodyCap} bytes, expected 1024`);
  });

  it("notices a second feed request that is not a hit", async () => {
    breakage.neverHit = true;
    const failed = (await run()).filter((r) => !r.passed);
    expect(failed.map((r) => r.case.rule)).toEqual(["caching: the same feed again is served from the edge cache"]);
  });

  it("fails the cases that need a captured size when the HEAD gave none", async () => {
    const withoutHead = smokeCases.filter((c) => c.request.method !== "HEAD");
    const failed = (await run(withoutHead)).filter((r) => !r.passed);
    expect(failed).toHaveLength(3);
    expect(failed.every((r) => r.problems[0] === "needs {size}, which no earlier case captured")).toBe(true);
  });

  it("reports an edge that does not answer, within the timeout", async () => {
    breakage.hang = true;
    const [result] = await run(smokeCases.slice(0, 1), 300);
    expect(result!.passed).toBe(false);
    expect(result!.problems).toEqual(["no response: no answer within 300 ms"]);
    expect(formatResult(result!)).toMatch(/^FAIL  ---  GET \/health on changelog\.com {2}\d+ ms {2}\| {2}no response/);
  });
});
