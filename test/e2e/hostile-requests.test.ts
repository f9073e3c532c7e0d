// A corpus of hostile requests, sent as raw bytes to the edge under Viceroy. Each row says who
// answers and how:
// - `edge`: the program answered itself (a 2xx/3xx/4xx with the edge's Cache-Status);
// - `origin`: the program passed an origin's answer (the origin's status, Cache-Status naming it);
// - `hyper`: Viceroy's HTTP server refused the request before the program ran (400, 414, 431);
// - `viceroy`: Viceroy closed the connection without an answer (it cannot build a URL for it);
// - `runtime`: the js-compute runtime failed to read the request before the program ran and
//   Viceroy answered 500 (a URL over 8 KiB, a method over 1 KiB, a Host whose port is no number).
// The program's own answers are never a 5xx, each gets exactly one request-log line, and after
// the corpus the edge still answers /health and its log holds no panic and no edge error.
// What each row proves and why it answers the way it does: docs/reliability.md, "Bad input".

import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestEndpoint } from "../../src/config/log-endpoints.js";
import { endpointLines } from "../support/viceroy-log.js";
import { edge, originRequests, resetOrigins, send } from "./support/edge.js";
import { head, rawRequest, type RawAnswer } from "./support/raw-http.js";

type AnsweredBy = "edge" | "origin" | "hyper" | "viceroy" | "runtime";

interface HostileCase {
  readonly name: string;
  readonly request: string;
  readonly by: AnsweredBy;
  /** The status, or "closed" for a connection closed without an answer. */
  readonly status: number | "closed";
  /** The request the origin received, when the case reaches one (method and target). */
  readonly reaches?: { readonly origin: string; readonly request: string };
  /** Cache-Status detail note the answer carries. */
  readonly note?: string;
}

const close = "Connection: close";
const get = (target: string, host = "changelog.com", ...more: string[]) =>
  head(`GET ${target} HTTP/1.1`, `Host: ${host}`, ...more, close);
const cdn = "cdn.changelog.com";
const long = (n: number) => "a".repeat(n);
/** Under Viceroy the URL the runtime reads is http://<host><target>; it holds 8,192 bytes at most. */
const urlMax = 8192;
const appUrlPrefix = "http://changelog.com".length;

const cases: HostileCase[] = [
  // Path traversal: dot segments are resolved before anything is routed, plain or percent-encoded.
  { name: "path traversal with ../", request: get("/uploads/../../etc/passwd", cdn), by: "origin", status: 404, reaches: { origin: "assets", request: "GET /etc/passwd" } },
  { name: "path traversal with %2e%2e", request: get("/uploads/%2e%2e/%2E%2e/etc/passwd", cdn), by: "origin", status: 404, reaches: { origin: "assets", request: "GET /etc/passwd" } },
  { name: "path traversal with backslashes", request: get("/uploads/..\\..\\etc/passwd", cdn), by: "origin", status: 404, reaches: { origin: "assets", request: "GET /etc/passwd" } },
  { name: "traversal behind encoded slashes stays one literal segment", request: get("/..%2f..%2fetc/passwd", cdn), by: "origin", status: 404, reaches: { origin: "assets", request: "GET /..%2f..%2fetc/passwd" } },
  { name: "a dot segment after a dotted name", request: get("/news/.x/../../etc/passwd"), by: "origin", status: 404, reaches: { origin: "app", request: "GET /etc/passwd" } },
  // Encoded nulls and broken percent-encoding are passed on as they came, never decoded.
  { name: "an encoded null in an app path", request: get("/a%00b"), by: "origin", status: 404, reaches: { origin: "app", request: "GET /a%00b" } },
  { name: "invalid percent-encoding in an mp3 path", request: get("/uploads/podcast/1/x%zz.mp3", cdn), by: "origin", status: 404, reaches: { origin: "assets", request: "GET /uploads/podcast/1/x%zz.mp3" } },
  { name: "an encoded null in an mp3 path", request: get("/uploads/podcast/1/x%00.mp3", cdn), by: "origin", status: 404, reaches: { origin: "assets", request: "GET /uploads/podcast/1/x%00.mp3" } },
  { name: "a raw NUL in the target", request: get("/a\u0000b"), by: "hyper", status: 400 },
  { name: "invalid percent-encoding %zz", request: get("/a%zzb"), by: "origin", status: 404, reaches: { origin: "app", request: "GET /a%zzb" } },
  { name: "a lone % at the end of the path", request: get("/a%"), by: "origin", status: 404, reaches: { origin: "app", request: "GET /a%" } },
  { name: "invalid percent-encoding in a feed's query (the query is not sent)", request: get("/feeds/A1D5691802E8D20DEA94C6E9821AFBB2?%zz=%&%00"), by: "origin", status: 200, reaches: { origin: "feeds", request: "GET /A1D5691802E8D20DEA94C6E9821AFBB2.xml" } },
  { name: "a path of //evil.com is a path", request: get("//evil.com/x"), by: "origin", status: 404, reaches: { origin: "app", request: "GET //evil.com/x" } },
  // Long paths and queries: passed uncached past Core Cache's 4 KiB keys; past 8 KiB of URL the
  // runtime cannot read the request; past 64 KiB hyper refuses it.
  { name: "an 8,000-byte app path", request: get(`/${long(8000)}`), by: "origin", status: 404, note: "key-too-long" },
  { name: "an 8,000-byte assets path", request: get(`/${long(8000)}.mp3`, cdn), by: "origin", status: 404, note: "key-too-long" },
  { name: "a URL of exactly 8 KiB", request: get(`/${long(urlMax - appUrlPrefix - 1)}`), by: "origin", status: 404 },
  { name: "a URL one byte past 8 KiB", request: get(`/${long(urlMax - appUrlPrefix)}`), by: "runtime", status: 500 },
  { name: "an 8 KiB path (URL past 8 KiB)", request: get(`/${long(8192)}`), by: "runtime", status: 500 },
  { name: "a 4 KB query on a cacheable page", request: get(`/podcast/hostile?${long(4096)}`), by: "origin", status: 200, note: "key-too-long" },
  { name: "a 16 KB query", request: get(`/?${long(16 * 1024)}`), by: "runtime", status: 500 },
  { name: "a 64 KiB query", request: get(`/?${long(64 * 1024)}`), by: "hyper", status: 414 },
  { name: "a 400 KB query", request: get(`/?${long(400_000)}`), by: "hyper", status: 414 },
  // Hosts.
  { name: "a host with a 300-byte label", request: get("/", `${long(300)}.com`), by: "edge", status: 400 },
  { name: "a 253-byte host of valid labels is served as the app", request: get("/echo", `${long(63)}.${long(63)}.${long(63)}.${long(57)}.com`), by: "origin", status: 200 },
  { name: "a 64 KB host (URL past 8 KiB)", request: get("/", `${long(65_000)}.com`), by: "runtime", status: 500 },
  { name: "no Host (HTTP/1.1)", request: head("GET / HTTP/1.1", close), by: "viceroy", status: "closed" },
  { name: "an empty Host", request: get("/", ""), by: "viceroy", status: "closed" },
  { name: "two Host lines", request: head("GET /echo HTTP/1.1", "Host: changelog.com", "Host: evil.com", close), by: "edge", status: 400 },
  { name: "two identical Host lines", request: head("GET /echo HTTP/1.1", "Host: changelog.com", "Host: changelog.com", close), by: "edge", status: 400 },
  { name: "a Host with a path", request: get("/", "evil.com/@x"), by: "viceroy", status: "closed" },
  { name: "a Host with userinfo", request: get("/", "changelog.com@evil.com"), by: "edge", status: 400 },
  { name: "a Host whose port is not a number", request: get("/", "changelog.com:abc"), by: "runtime", status: 500 },
  { name: "an upper-case Host with port and trailing dot", request: get("/health", "CHANGELOG.COM.:443"), by: "edge", status: 204 },
  { name: "an IPv6 literal Host", request: get("/echo", "[::1]:7676"), by: "origin", status: 200 },
  // Methods.
  { name: "method FOO on the app (the app refuses it)", request: head("FOO /echo HTTP/1.1", "Host: changelog.com", close), by: "origin", status: 400 },
  { name: "method FOO on the assets host", request: head(`FOO /static/css/app.css HTTP/1.1`, `Host: ${cdn}`, close), by: "edge", status: 405 },
  { name: "TRACE on the app is the app's to answer", request: head("TRACE /echo HTTP/1.1", "Host: changelog.com", close), by: "origin", status: 200, reaches: { origin: "app", request: "TRACE /echo" } },
  { name: "TRACE on nightly", request: head("TRACE / HTTP/1.1", "Host: nightly.changelog.com", close), by: "edge", status: 405 },
  { name: "CONNECT", request: head("CONNECT changelog.com:443 HTTP/1.1", "Host: changelog.com:443", close), by: "viceroy", status: "closed" },
  { name: "lower-case get is read as GET", request: head("get /health HTTP/1.1", "Host: changelog.com", close), by: "edge", status: 204 },
  { name: "lower-case delete on the assets host", request: head(`delete /static/css/app.css HTTP/1.1`, `Host: ${cdn}`, close), by: "edge", status: 405 },
  { name: "OPTIONS * reaches the app as OPTIONS /", request: head("OPTIONS * HTTP/1.1", "Host: changelog.com", close), by: "origin", status: 200, reaches: { origin: "app", request: "OPTIONS /" } },
  { name: "a 1,000-byte method (the app refuses it)", request: head(`${"M".repeat(1000)} /echo HTTP/1.1`, "Host: changelog.com", close), by: "origin", status: 400 },
  { name: "a method over 1 KiB", request: head(`${"M".repeat(1025)} / HTTP/1.1`, "Host: changelog.com", close), by: "runtime", status: 500 },
  // Header values.
  { name: "a control character in a header value", request: get("/", "changelog.com", "X-Bad: a\u0001b"), by: "hyper", status: 400 },
  { name: "a bare CR in a header value", request: get("/", "changelog.com", "X-Bad: a\rb"), by: "hyper", status: 400 },
  { name: "bytes that are not ASCII in the user agent", request: get("/echo", "changelog.com", "User-Agent: P\u00c3\u00b6d\u00ff"), by: "origin", status: 200 },
  { name: "a space in a header name", request: get("/", "changelog.com", "Bad Header: x"), by: "hyper", status: 400 },
  { name: "a header line without a colon", request: get("/", "changelog.com", "NoColonHere"), by: "hyper", status: 400 },
  { name: "a 60 KB header value (the app refuses it)", request: get("/echo", "changelog.com", `X-Big: ${long(60_000)}`), by: "origin", status: 431 },
  { name: "a 100 KB header value (past the runtime's 69,000 bytes)", request: get("/echo", "changelog.com", `X-Big: ${long(100_000)}`), by: "edge", status: 431 },
  { name: "120 header lines", request: head("GET / HTTP/1.1", "Host: changelog.com", ...Array.from({ length: 120 }, (_, i) => `X-H${i}: v`), close), by: "hyper", status: 431 },
  // Request line forms.
  { name: "absolute form naming another host: the Host header routes", request: get("http://evil.com/x"), by: "origin", status: 404, reaches: { origin: "app", request: "GET /x" } },
  { name: "absolute form naming the assets host on the app Host", request: get(`https://${cdn}/static/css/app.css`), by: "origin", status: 404, reaches: { origin: "app", request: "GET /static/css/app.css" } },
  { name: "HTTP/1.0 without Host", request: head("GET /health HTTP/1.0"), by: "viceroy", status: "closed" },
  { name: "HTTP/1.0 with Host", request: head("GET /health HTTP/1.0", "Host: changelog.com"), by: "edge", status: 204 },
  { name: "an HTTP/0.9 request line", request: "GET /\r\n\r\n", by: "hyper", status: 400 },
  { name: "a space in the target", request: get("/a b"), by: "hyper", status: 400 },
  { name: "UTF-8 bytes in the target", request: get("/\u00c3\u00a9"), by: "hyper", status: 400 },
  { name: "a TLS ClientHello on the plain port", request: "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003\r\n\r\n", by: "hyper", status: 400 },
];

interface Sent {
  readonly c: HostileCase;
  readonly answer: RawAnswer;
}

const sent: Sent[] = [];
let logFrom = 0;

/** Lines of Viceroy's output written since the corpus began. */
function logSinceStart(): string {
  return readFileSync(edge().logPath).subarray(logFrom).toString("utf8");
}

const first = (answer: RawAnswer, name: string) => answer.headers[name]?.[0];
const targetOf = (c: HostileCase) => c.request.split(" ")[1]!;

beforeAll(async () => {
  await resetOrigins();
  logFrom = readFileSync(edge().logPath).length;
});

afterAll(async () => {
  // Leave nothing cached that another file might count origin requests for.
  for (const { c } of sent) {
    if (c.by !== "origin" || !c.request.startsWith("GET ")) continue;
    const target = targetOf(c);
    const host = /\r\nHost: ([^\r]*)/.exec(c.request)?.[1] ?? "changelog.com";
    if (target.startsWith("/") && target.length < 4096) {
      await send(target.split("?")[0]!, { method: "PURGE", host, headers: { "purge-token": edge().purgeToken } });
    }
  }
  await resetOrigins();
});

describe("hostile requests", () => {
  for (const c of cases) {
    const what = c.status === "closed" ? "the connection closed without an answer" : String(c.status);
    it(`${c.name}: ${what} from ${c.by}`, async () => {
      if (c.reaches && c.request.startsWith("GET /")) {
        // Counted origin requests need a cold object (another file may have cached it).
        const host = /\r\nHost: ([^\r]*)/.exec(c.request)?.[1] ?? "changelog.com";
        await send(targetOf(c).split("?")[0]!, { method: "PURGE", host, headers: { "purge-token": edge().purgeToken } });
      }
      await resetOrigins();
      const answer = await rawRequest(c.request);
      sent.push({ c, answer });
      const ranTheProgram = first(answer, "x-request-id") !== undefined;
      if (c.status === "closed") {
        expect(answer.raw.length).toBe(0);
        return;
      }
      expect(answer.status).toBe(c.status);
      if (c.by === "edge" || c.by === "origin") {
        expect(ranTheProgram).toBe(true);
        const cacheStatus = first(answer, "cache-status") ?? "";
        // Who answered is what Cache-Status says: the edge itself, or the origin it passed.
        if (c.by === "edge") expect(cacheStatus).toMatch(/origin=edge/);
        else expect(cacheStatus).toMatch(/origin=(?:app|assets|feeds|nightly)\b/);
        expect(cacheStatus).not.toMatch(/origin-failed|edge-error/);
        if (c.note) expect(cacheStatus).toContain(c.note);
        if (c.by === "edge") expect(answer.status).toBeLessThan(500);
      } else {
        // Refused before the program ran: none of the edge's headers.
        expect(ranTheProgram).toBe(false);
        expect(first(answer, "cache-status")).toBeUndefined();
      }
      if (c.reaches) {
        const seen = (await originRequests(c.reaches.origin)).map((r) => `${r.method} ${r.url}`);
        expect(seen).toEqual([c.reaches.request]);
      }
    });
  }
});

describe("after the corpus", () => {
  it("every answer of the program got exactly one request-log line", async () => {
    const ids = sent.map(({ answer }) => first(answer, "x-request-id")).filter((id): id is string => id !== undefined);
    expect(ids.length).toBe(cases.filter((c) => c.by === "edge" || c.by === "origin").length);
    const linesFor = () => {
      const counts = new Map<string, number>();
      for (const { message } of endpointLines(logSinceStart(), new Set([requestEndpoint.name]))) {
        const id = (JSON.parse(message) as { request_id: string }).request_id;
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    };
    const deadline = Date.now() + 10_000;
    while (ids.some((id) => !linesFor().has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300));
    const counts = linesFor();
    for (const id of ids) expect(counts.get(id), id).toBe(1);
  });

  it("the edge still answers", async () => {
    expect((await send("/health")).status).toBe(204);
  });

  it("Viceroy's log holds no panic, no trap and no edge error; only the runtime's own refusals", () => {
    const log = logSinceStart();
    expect(log).not.toMatch(/panicked|WebAssembly trapped|Unhandled|edge error for|edge-error/);
    // What the runtime prints for the rows it refuses before the program runs (and for the
    // header list it cannot read); anything else that looks like an error is not expected.
    const known = [
      /^Exception while initialization of FetchEvent$/,
      /^Error: init_request: Buffer length error\. Buffer is too long\.$/,
      // The Host whose port is not a number: reported one way or the other.
      /^uncaught exception: undefined$/,
      /^TypeError: URL constructor: http:\/\/changelog\.com:abc\/ is not a valid URL\.$/,
      /^Exception while evaluating code$/,
      /^__fastly_bundle_with_sourcemaps\.js:\d+:\d+(?: Error: switch_mode: Buffer length error\. Buffer is too long\.)?$/,
    ];
    // Viceroy's INFO lines (the limits harness's execution log) quote the URI the client sent.
    const unexpected = log
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => /error|exception|panic|trap/i.test(line) && !line.startsWith(`${requestEndpoint.name} :: `))
      .filter((line) => !/^\S+Z\s+INFO request\{id=\d+\}: /.test(line))
      .filter((line) => !known.some((pattern) => pattern.test(line)));
    expect(unexpected).toEqual([]);
  });
});
