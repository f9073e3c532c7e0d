// Security end to end, under Viceroy: the purge token appears in no answer, no log line and not
// in the program; headers only the edge may set never come from the client, whatever their case,
// repetition or Connection tricks; no redirect can be steered to another site; and the request
// smuggling shapes (Content-Length with Transfer-Encoding, two Content-Lengths, two Hosts,
// obs-fold) either never reach an origin or reach it framed one way only.

import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RecordedRequest } from "../../scripts/origins/front.js";
import { projectRoot } from "../../scripts/origins/r2.js";
import { requestEndpoint } from "../../src/config/log-endpoints.js";
import { isServedHost, isValidHost } from "../../src/edge-request.js";
import { cold, purgeWarmed } from "../shared/cold-cache.js";
import { endpointLines } from "../support/viceroy-log.js";
import { edge, injectFault, originRequests, resetOrigins, send, type EdgeResponse } from "./support/edge.js";
import { head, rawRequest, type RawAnswer } from "./support/raw-http.js";

beforeEach(resetOrigins);
afterEach(purgeWarmed);
afterAll(resetOrigins);

/** Every byte of an answer that a client or a log could see: status line, headers, body. */
function everything(res: EdgeResponse): string {
  return `${res.status} ${JSON.stringify(res.headers)} ${res.text()}`;
}

/** Waits until each request id has its request-log line. */
async function loggedLines(ids: string[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const logged = new Set(
      endpointLines(readFileSync(edge().logPath, "utf8"), new Set([requestEndpoint.name])).map(
        ({ message }) => (JSON.parse(message) as { request_id: string }).request_id,
      ),
    );
    if (ids.every((id) => logged.has(id))) return;
    if (Date.now() > deadline) throw new Error(`no request-log line for ${ids.filter((id) => !logged.has(id)).join(", ")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the purge token", () => {
  const token = () => edge().purgeToken;
  const wrong = `wrong-${randomBytes(12).toString("hex")}`;

  it("is in no answer, right or wrong, and never reaches an origin", async () => {
    await cold("changelog.com", "/podcast/feed");
    const answers: EdgeResponse[] = [];
    for (const host of ["changelog.com", "cdn.changelog.com", "nightly.changelog.com"]) {
      const right = await send("/podcast/feed", { method: "PURGE", host, headers: { "purge-token": token() } });
      expect(right.status).toBe(200);
      const refused = await send("/podcast/feed", { method: "PURGE", host, headers: { "purge-token": wrong } });
      expect(refused.status).toBe(401);
      answers.push(right, refused);
    }
    // Sent on ordinary requests, it is not passed on: not to the app, not to a bucket.
    const echo = await send("/echo", { headers: { "purge-token": token() } });
    const feed = await send("/podcast/feed", { headers: { "purge-token": token() } });
    answers.push(echo, feed);
    for (const res of answers) {
      expect(everything(res)).not.toContain(token());
      expect(everything(res)).not.toContain(wrong);
    }
    const received = [...(await originRequests("app")), ...(await originRequests("feeds"))];
    expect(received.length).toBeGreaterThanOrEqual(2);
    for (const r of received) expect(JSON.stringify(r.headers)).not.toContain(token());
  });

  it("is in no error body: an origin failure with the token in the request", async () => {
    await injectFault("app", { mode: "down" });
    const res = await send(`/cacheable?security=${Date.now()}`, { headers: { "purge-token": token() } });
    expect(res.status).toBe(503);
    expect(everything(res)).not.toContain(token());
  });

  it("is in no line Viceroy printed: endpoint lines, console and errors alike", async () => {
    const ids: string[] = [];
    for (const presented of [token(), wrong, `${token()}x`, ""]) {
      const res = await send("/uploads/podcast/600/the-changelog-600.mp3", {
        method: "PURGE",
        host: "cdn.changelog.com",
        headers: { "purge-token": presented },
      });
      ids.push(String(res.headers["x-request-id"]));
    }
    await loggedLines(ids);
    const log = readFileSync(edge().logPath, "utf8");
    expect(log).toContain(ids[0]);
    expect(log).not.toContain(token());
    expect(log).not.toContain(wrong);
  });

  it("is not in the program: the built wasm holds neither this run's token nor the local one", () => {
    const wasm = readFileSync(join(projectRoot, "bin", "main.wasm"));
    expect(wasm.length).toBeGreaterThan(1_000_000);
    for (const value of [token(), "local-purge-token"]) expect(wasm.includes(Buffer.from(value))).toBe(false);
    // The check itself can see a string that is in the program.
    expect(wasm.includes(Buffer.from("Purging needs a valid Purge-Token header."))).toBe(true);
  });
});

describe("headers only the edge may set (rule 15), beyond rules-headers", () => {
  interface Echo {
    readonly headers: Record<string, string>;
  }

  it("are never the client's: repeated, mixed-case, or named in Connection to drop the edge's own", async () => {
    const answer = await rawRequest(
      head(
        "GET /echo HTTP/1.1",
        "Host: changelog.com",
        "X-Forwarded-Host: evil.example",
        "x-forwarded-host: evil2.example",
        "FASTLY-FF: forged",
        "Fastly-Client-IP: 6.6.6.6",
        "X-Request-Id: forged id with spaces",
        "Forwarded: for=6.6.6.6;host=evil.example",
        "Connection: close, X-Forwarded-Host, X-Request-Id, Fastly-Client-IP, X-Forwarded-For",
      ),
    );
    expect(answer.status).toBe(200);
    const echo = JSON.parse(answer.body.toString("utf8")) as Echo;
    expect(echo.headers["x-forwarded-host"]).toBe("changelog.com");
    expect(echo.headers["fastly-client-ip"]).toBe("127.0.0.1");
    expect(echo.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(echo.headers["x-request-id"]).toBe(answer.headers["x-request-id"]?.[0]);
    expect(echo.headers["fastly-ff"]).toBeUndefined();
    expect(echo.headers.forwarded).toBeUndefined();
  });

  it("are not taken from an uncached POST, nor on the way to nightly or the feeds bucket", async () => {
    const forged = { "x-forwarded-host": "evil.example", "fastly-ff": "forged", "x-real-ip": "6.6.6.6", "x-forwarded-proto": "https" };
    const post = await send("/echo", { method: "POST", body: "a=1", headers: forged });
    expect((JSON.parse(post.text()) as Echo).headers["x-forwarded-host"]).toBe("changelog.com");
    await cold("nightly.changelog.com", "/");
    await send("/", { host: "nightly.changelog.com", headers: forged });
    await cold("changelog.com", "/gotime/feed");
    await send("/gotime/feed", { headers: forged });
    const seen = [...(await originRequests("nightly")), ...(await originRequests("feeds")), ...(await originRequests("app"))];
    expect(seen.length).toBe(3);
    for (const r of seen) {
      expect(isServedHost(String(r.headers["x-forwarded-host"]))).toBe(true);
      for (const name of ["fastly-ff", "x-real-ip", "x-forwarded-proto"]) expect(r.headers[name], name).toBeUndefined();
    }
  });
});

describe("no open redirect", () => {
  // Each request is one way a client might try to make the edge send someone elsewhere.
  const attempts: { name: string; host: string; target: string; plainHttp?: boolean; location: string }[] = [
    { name: "a Host of the attacker's, over plain HTTP", host: "evil.com", target: "/x", plainHttp: true, location: "https://changelog.com/x" },
    { name: "a Host of the attacker's with a port", host: "evil.com:443", target: "/x", plainHttp: true, location: "https://changelog.com/x" },
    { name: "www. of the attacker's host", host: "www.evil.com", target: "/x", plainHttp: true, location: "https://changelog.com/x" },
    { name: "//evil.com as the path", host: "changelog.com", target: "//evil.com", plainHttp: true, location: "https://changelog.com//evil.com" },
    { name: "/\\evil.com as the path", host: "changelog.com", target: "/\\evil.com", plainHttp: true, location: "https://changelog.com//evil.com" },
    { name: "/%2F%2Fevil.com as the path", host: "www.changelog.com", target: "/%2F%2Fevil.com", location: "https://changelog.com/%2F%2Fevil.com" },
    { name: "encoded CR/LF and a second Location", host: "www.changelog.com", target: "/%0d%0aLocation:%20https://evil.com", location: "https://changelog.com/%0d%0aLocation:%20https://evil.com" },
    { name: "@evil.com after the host", host: "changelog.com", target: "/@evil.com", plainHttp: true, location: "https://changelog.com/@evil.com" },
    { name: "absolute form naming the attacker", host: "changelog.com", target: "http://evil.com/x", plainHttp: true, location: "https://changelog.com/x" },
    { name: "a news mp3 with an attacker's query", host: "evil.com", target: "/uploads/podcast/news-2022-06-27/the-changelog-news-2022-06-27.mp3?//evil.com", location: "https://cdn.changelog.com/uploads/news/1/changelog-news-1.mp3?//evil.com" },
    { name: "/practicalai with a query", host: "changelog.com", target: "/practicalai?next=https://evil.com", location: "https://practicalai.fm" },
  ];

  for (const a of attempts) {
    it(`${a.name}: ${a.location}`, async () => {
      const lines = [`GET ${a.target} HTTP/1.1`, `Host: ${a.host}`, "Connection: close"];
      if (a.plainHttp) lines.push("X-Forwarded-Proto: http");
      const answer = await rawRequest(head(...lines));
      expect(answer.status).toBeGreaterThanOrEqual(301);
      expect(answer.status).toBeLessThanOrEqual(308);
      expect(answer.headers.location).toEqual([a.location]);
      const followed = new URL(a.location, "https://evil.com/");
      expect(isServedHost(followed.host) || ["practicalai.fm", "feeds.transistor.fm"].includes(followed.host)).toBe(true);
    });
  }

  it("www. of an attacker's host is not redirected at all: it is served as the app", async () => {
    const res = await send("/echo", { host: "www.evil.com" });
    expect(res.status).toBe(200);
    expect(res.headers.location).toBeUndefined();
  });
});

describe("request smuggling shapes", () => {
  interface Shape {
    readonly name: string;
    readonly request: string;
    /** Statuses the answer may have: hyper's 400, or the app's own answer to a cleanly framed request. */
    readonly status: readonly number[];
    /** Requests the app may receive, at most. */
    readonly reachesAtMost: number;
  }
  const post = (...lines: string[]) => (body: string) => `${["POST /echo HTTP/1.1", "Host: changelog.com", ...lines, "Connection: close"].join("\r\n")}\r\n\r\n${body}`;
  const smuggled = "GET /smuggled HTTP/1.1\r\nHost: changelog.com\r\n\r\n";

  const shapes: Shape[] = [
    { name: "Content-Length with Transfer-Encoding (CL.TE)", request: post("Content-Length: 4", "Transfer-Encoding: chunked")("0\r\n\r\n"), status: [200, 400], reachesAtMost: 1 },
    { name: "Transfer-Encoding with Content-Length (TE.CL)", request: post("Transfer-Encoding: chunked", "Content-Length: 3")("3\r\nabc\r\n0\r\n\r\n"), status: [200, 400], reachesAtMost: 1 },
    { name: "CL.TE hiding a second request in the body", request: post(`Content-Length: ${5 + smuggled.length}`, "Transfer-Encoding: chunked")(`0\r\n\r\n${smuggled}`), status: [200, 400], reachesAtMost: 1 },
    { name: "TE.CL hiding a second request in a chunk", request: post("Content-Length: 4", "Transfer-Encoding: chunked")(`${smuggled.length.toString(16)}\r\n${smuggled}\r\n0\r\n\r\n`), status: [200, 400], reachesAtMost: 1 },
    { name: "two different Content-Lengths", request: post("Content-Length: 4", "Content-Length: 5")("abcde"), status: [400], reachesAtMost: 0 },
    { name: "a Content-Length list", request: post("Content-Length: 4, 5")("abcde"), status: [400], reachesAtMost: 0 },
    { name: "a signed Content-Length", request: post("Content-Length: +4")("abcd"), status: [400], reachesAtMost: 0 },
    { name: "Transfer-Encoding with a space before the colon", request: post("Transfer-Encoding : chunked", "Content-Length: 4")("0\r\n\r\n"), status: [400], reachesAtMost: 0 },
    { name: "Transfer-Encoding folded onto a second line (obs-fold)", request: post("Transfer-Encoding:", " chunked", "Content-Length: 4")("0\r\n\r\n"), status: [400], reachesAtMost: 0 },
    { name: "an unknown transfer coding", request: post("Transfer-Encoding: xchunked", "Content-Length: 4")("abcd"), status: [400, 501], reachesAtMost: 0 },
    { name: "two Host lines", request: `GET /echo HTTP/1.1\r\nHost: changelog.com\r\nHost: evil.com\r\nConnection: close\r\n\r\n`, status: [400], reachesAtMost: 0 },
  ];

  /** One origin request, framed one way: one Content-Length or chunked, never both. */
  function framedOnce(r: RecordedRequest): void {
    const length = r.headers["content-length"];
    const te = r.headers["transfer-encoding"];
    expect(Array.isArray(length)).toBe(false);
    expect(length !== undefined && te !== undefined, JSON.stringify(r.headers)).toBe(false);
    expect(r.headers.host).toBe("changelog-2024-01-12.fly.dev");
    expect(isValidHost(String(r.headers["x-forwarded-host"]))).toBe(true);
  }

  it("CL.TE on a kept-alive connection: what follows the chunked body is the client's own next request, re-framed on its own", async () => {
    // RFC 9112 §6.3 says a server MUST close the connection after answering a request with both
    // framings; Viceroy's hyper keeps it open and reads the rest as the next request. Nothing is
    // smuggled past the edge: each request is decided, logged and sent to the origin on its own,
    // never relayed as bytes (docs/reliability.md).
    await cold("changelog.com", "/smuggled");
    const request = `${["POST /echo HTTP/1.1", "Host: changelog.com", `Content-Length: ${5 + smuggled.length}`, "Transfer-Encoding: chunked"].join("\r\n")}\r\n\r\n0\r\n\r\n${smuggled}`;
    const answer = await rawRequest(request, { idleMs: 1_000 });
    expect(answer.raw.toString("latin1").match(/HTTP\/1\.1 \d{3}/g)).toEqual(["HTTP/1.1 200", "HTTP/1.1 404"]);
    const seen = await originRequests("app");
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual(["POST /echo", "GET /smuggled"]);
    for (const r of seen) framedOnce(r);
  });

  for (const shape of shapes) {
    it(`${shape.name}: ${shape.status.join(" or ")}, at most ${shape.reachesAtMost} request at the app, framed one way`, async () => {
      const answer: RawAnswer = await rawRequest(shape.request);
      expect(shape.status).toContain(answer.status);
      // One answer on the connection: nothing hidden in a body was answered as a request.
      expect(answer.raw.toString("latin1").match(/HTTP\/1\.1 \d{3} /g)?.length).toBe(1);
      const seen = await originRequests("app");
      expect(seen.length).toBeLessThanOrEqual(shape.reachesAtMost);
      for (const r of seen) {
        expect(r.url).not.toContain("smuggled");
        framedOnce(r);
      }
      if (answer.status === 200) expect(seen.length).toBe(1);
    });
  }
});
