// Helpers of the mp3 end-to-end tests: GETs whose bodies are compared with the fixture while
// they stream (a 300 MB body is never held, nor generated whole), bodies cut off by the edge
// reported as such instead of thrown, clients that reset mid-body, a player reading an episode
// with successive open ranges, multipart/byteranges bodies split into their parts, and origin
// requests grouped by the client request (execution) that made them.

import { request, type IncomingHttpHeaders } from "node:http";
import { fixtureBytes, type Fixture } from "../../scripts/origins/fixtures.js";
import type { RecordedRequest } from "../../scripts/origins/front.js";
import { writtenBodyBytes } from "../../src/cache/asset-delivery.js";
import { edge } from "./support/edge.js";

export const assets = "cdn.changelog.com";

export interface Streamed {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Body bytes received. */
  readonly bytes: number;
  /** The body ended normally (not cut off by the edge or the connection). */
  readonly complete: boolean;
  /** Offset of the first body byte that differs from the expected bytes; -1 when none does. */
  readonly mismatchAt: number;
  /** Monotonic milliseconds from sending to the first body byte, and to the end. */
  readonly firstByteAt: number;
  readonly endAt: number;
}

export interface StreamOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** Compare the body, as it arrives, with these bytes of the fixture (from `start`). */
  readonly expect?: { readonly fixture: Fixture; readonly start: number };
  /** Called at the first body byte, with the response paused until it settles. */
  readonly atFirstByte?: () => Promise<void>;
  /** Reset the connection (TCP RST) once at least this many body bytes have arrived. */
  readonly resetAfter?: number;
}

/** One request to the edge on the assets host; the body is checked and dropped as it streams. */
export function streamFrom(path: string, options: StreamOptions = {}): Promise<Streamed> {
  const base = new URL(edge().base);
  return new Promise((resolve, reject) => {
    const sent = performance.now();
    let bytes = 0;
    let mismatchAt = -1;
    let firstByteAt = -1;
    let settled = false;
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        path,
        method: options.method ?? "GET",
        headers: { host: assets, ...options.headers },
        agent: false,
      },
      (res) => {
        const finish = (complete: boolean) => {
          if (settled) return;
          settled = true;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, complete, mismatchAt, firstByteAt, endAt: performance.now() - sent });
        };
        res.on("data", (chunk: Buffer) => {
          if (firstByteAt < 0) {
            firstByteAt = performance.now() - sent;
            if (options.atFirstByte) {
              res.pause();
              options.atFirstByte().then(() => res.resume(), () => res.resume());
            }
          }
          if (options.expect && mismatchAt < 0) {
            const from = options.expect.start + bytes;
            const expected = fixtureBytes(options.expect.fixture, from, Math.min(from + chunk.length, options.expect.fixture.size));
            if (expected.length !== chunk.length || Buffer.compare(chunk, expected) !== 0) {
              let at = 0;
              while (at < chunk.length && chunk[at] === expected[at]) at++;
              mismatchAt = bytes + at;
            }
          }
          bytes += chunk.length;
          if (options.resetAfter !== undefined && bytes >= options.resetAfter) {
            finish(false);
            res.socket.resetAndDestroy();
          }
        });
        res.on("end", () => finish(res.complete));
        res.on("aborted", () => finish(false));
        res.on("error", () => finish(false));
        res.on("close", () => finish(res.complete));
      },
    );
    req.on("error", (error) => (settled ? undefined : reject(error)));
    req.end();
  });
}

/** A small GET (or HEAD) on the assets host with its whole body. */
export function fetchWhole(
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  const base = new URL(edge().base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: base.hostname, port: base.port, path, method: options.method ?? "GET", headers: { host: assets, ...options.headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

export interface Part {
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** The parts of a multipart/byteranges body (RFC 9110 §14.6, RFC 2046 §5.1.1), strictly. */
export function multipartParts(contentType: string, body: Buffer): Part[] {
  const boundary = /boundary=([^;]+)/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Part[] = [];
  let at = 0;
  if (body.subarray(0, delimiter.length).compare(delimiter) !== 0) throw new Error("body does not start with the boundary");
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 4).toString("latin1") === "--\r\n") {
      if (at + 4 !== body.length) throw new Error("bytes after the closing boundary");
      return parts;
    }
    if (body.subarray(at, at + 2).toString("latin1") !== "\r\n") throw new Error(`no CRLF after boundary at ${at}`);
    at += 2;
    const headerEnd = body.indexOf("\r\n\r\n", at, "latin1");
    const headers: Record<string, string> = {};
    for (const line of body.subarray(at, headerEnd).toString("latin1").split("\r\n")) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const range = /^bytes (\d+)-(\d+)\/\d+$/.exec(headers["content-range"] ?? "");
    if (!range) throw new Error(`part without a Content-Range: ${JSON.stringify(headers)}`);
    const length = Number(range[2]) - Number(range[1]) + 1;
    const start = headerEnd + 4;
    parts.push({ headers, body: body.subarray(start, start + length) });
    at = start + length;
    if (body.subarray(at, at + 2).toString("latin1") !== "\r\n") throw new Error(`no CRLF after part at ${at}`);
    at += 2;
    if (body.subarray(at, at + delimiter.length).compare(delimiter) !== 0) throw new Error(`no boundary at ${at}`);
  }
}

/** The Range header values the assets origin received, in order. */
export function rangesSeen(requests: { headers: Record<string, string | string[] | undefined> }[]): string[] {
  return requests.map((r) => String(r.headers.range ?? "(none)"));
}

/** The edge request id of a response (X-Request-Id), which the edge sends on every origin request it makes for it. */
export function requestIdOf(res: { headers: IncomingHttpHeaders }): string {
  return String(res.headers["x-request-id"]);
}

/** The origin requests made for one client request (its execution, background work included). */
export function madeFor(seen: readonly RecordedRequest[], res: { headers: IncomingHttpHeaders }): RecordedRequest[] {
  const id = requestIdOf(res);
  return seen.filter((r) => r.headers["x-request-id"] === id);
}

/** The most bytes an answer from the store carries (src/cache/asset-delivery.ts). */
export const answerBytes = writtenBodyBytes;

/** What a single range `start`-`end` is answered with: its first `answerBytes` bytes at most. */
export function boundedEnd(start: number, end: number): number {
  return Math.min(end, start + answerBytes - 1);
}

/** One answer of a player's read: where it asked from, and what came. */
export interface PlayerAnswer extends Streamed {
  readonly from: number;
}

/**
 * Reads `fixture` from `from` to its end the way podcast players and browsers do: `Range:
 * bytes=N-`, then the next open range from where each answer's Content-Range ended, until the
 * end. Stops early (for the caller to assert) at the first answer that is not a complete, exact
 * 206 starting where it was asked, or after `maxRequests`.
 */
export async function readLikeAPlayer(
  path: string,
  fixture: Fixture,
  options: { from?: number; headers?: Record<string, string>; maxRequests?: number } = {},
): Promise<{ answers: PlayerAnswer[]; reached: number }> {
  const answers: PlayerAnswer[] = [];
  let from = options.from ?? 0;
  const maxRequests = options.maxRequests ?? Math.ceil((fixture.size - from) / answerBytes) + 2;
  while (from < fixture.size && answers.length < maxRequests) {
    const res = await streamFrom(path, { headers: { ...options.headers, range: `bytes=${from}-` }, expect: { fixture, start: from } });
    answers.push({ ...res, from });
    const held = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(res.headers["content-range"]));
    if (res.status !== 206 || !held || Number(held[1]) !== from || Number(held[3]) !== fixture.size) break;
    const end = Number(held[2]);
    if (!res.complete || res.mismatchAt !== -1 || res.bytes !== end - from + 1) break;
    from = end + 1;
  }
  return { answers, reached: from };
}
