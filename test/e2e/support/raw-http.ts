// Requests as raw bytes on a TCP socket, for what node:http refuses to send (two Host lines, no
// Host, a NUL in the target, obs-fold, Content-Length with Transfer-Encoding…), and the answer as
// it came back, or the fact that the connection closed without one.
//
// The socket is never half-closed: Viceroy drops the answer of a client that shut its side down
// early (and panics a worker thread doing so), which a test would mistake for the edge's doing.

import { connect } from "node:net";
import { edge } from "./edge.js";

export interface RawAnswer {
  /** The status of the first answer, or null when the connection closed without one. */
  readonly status: number | null;
  /** Header names in lower case; repeated headers keep every value. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  /** The body, de-chunked when it was sent chunked. */
  readonly body: Buffer;
  /** Every byte received, as it came. */
  readonly raw: Buffer;
}

export interface RawOptions {
  /** Loopback source address (selects a local geolocation). */
  readonly from?: string;
  /** How long to wait for the server to close the connection. */
  readonly timeoutMs?: number;
  /**
   * For a connection the server keeps open: stop once nothing more has arrived for this long
   * after the first bytes (the socket is then destroyed, never half-closed).
   */
  readonly idleMs?: number;
}

/** Sends `request` as-is and reads until the server closes the connection. */
export function rawRequest(request: string | Buffer, options: RawOptions = {}): Promise<RawAnswer> {
  const base = new URL(edge().base);
  const bytes = typeof request === "string" ? Buffer.from(request, "latin1") : request;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: base.hostname, port: Number(base.port), localAddress: options.from });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end of the answer within ${options.timeoutMs ?? 10_000} ms; got ${Buffer.concat(chunks).length} bytes`));
    }, options.timeoutMs ?? 10_000);
    socket.on("connect", () => socket.write(bytes));
    let idle: ReturnType<typeof setTimeout> | undefined;
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      if (options.idleMs === undefined) return;
      clearTimeout(idle);
      idle = setTimeout(() => socket.destroy(), options.idleMs);
    });
    // A reset after the answer (the server closing with unread bytes) still leaves the answer.
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      clearTimeout(idle);
      resolve(parseAnswer(Buffer.concat(chunks)));
    });
  });
}

export function parseAnswer(raw: Buffer): RawAnswer {
  const end = raw.indexOf("\r\n\r\n");
  if (raw.length === 0 || end === -1) return { status: null, headers: {}, body: Buffer.alloc(0), raw };
  const [statusLine, ...lines] = raw.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "")?.[1] ?? NaN);
  const headers: Record<string, string[]> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    (headers[name] ??= []).push(line.slice(colon + 1).trim());
  }
  const rest = raw.subarray(end + 4);
  const chunked = headers["transfer-encoding"]?.some((v) => v.toLowerCase() === "chunked");
  return { status: Number.isNaN(status) ? null : status, headers, body: chunked ? dechunk(rest) : rest, raw };
}

/** RFC 9112 §7.1 chunked framing, leniently: what arrived before the connection closed. */
function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    const lineEnd = data.indexOf("\r\n", at);
    if (lineEnd === -1) break;
    const size = parseInt(data.subarray(at, lineEnd).toString("latin1"), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** A request head from lines, each ended with CRLF, and an empty line. */
export function head(...lines: string[]): string {
  return `${lines.join("\r\n")}\r\n\r\n`;
}
