// The bench's instruments: a Compute program under Viceroy whose output is kept (the logging
// endpoints' lines and Viceroy's per-execution lines, `logExecutions` in scripts/local-edge.ts),
// and one client request at a time measured from both ends: what the client got and when, the
// guest's wall time (Viceroy's "request completed in", read with test/support/execution-limits.ts),
// the request-log line's `cpu_ms`, `delivery` and `bytes_out`, and the origin requests it made
// (the local origins' records). One request at a time is what lets an execution line, a log line
// and origin requests be put down to one client request.

import { request, type IncomingHttpHeaders } from "node:http";
import { join } from "node:path";
import { requestEndpoint } from "../../src/config/log-endpoints.js";
import { viceroyExecutions } from "../../test/support/execution-limits.js";
import { endpointLines } from "../../test/support/viceroy-log.js";
import { freePort, startLocalEdge, type LocalEdge } from "../local-edge.js";
import type { LocalOrigins } from "../origins/local-origins.js";

export const assetsHost = "cdn.changelog.com";

export interface ClientOptions {
  readonly headers?: Readonly<Record<string, string>>;
  /** Hang up (destroy the connection) once this many body bytes have arrived. */
  readonly hangUpAfter?: number;
  readonly host?: string;
}

/** What one client saw. */
export interface ClientResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Body bytes that reached the client. */
  readonly received: number;
  /** From sending to the first body byte (-1: none). */
  readonly firstByteMs: number;
  /** From sending to the end of the body or the hang-up. */
  readonly totalMs: number;
  readonly hungUp: boolean;
  /** The edge's X-Request-Id (the pass-through sends none). */
  readonly requestId: string | null;
}

/** One GET on its own connection, its body counted and dropped. */
export function clientGet(base: string, path: string, options: ClientOptions = {}): Promise<ClientResult> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let firstByteMs = -1;
    let received = 0;
    let done = false;
    const req = request(
      { host: url.hostname, port: url.port, path, headers: { host: options.host ?? assetsHost, ...options.headers }, agent: false },
      (res) => {
        const finish = (hungUp: boolean) => {
          if (done) return;
          done = true;
          const id = res.headers["x-request-id"];
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            received,
            firstByteMs,
            totalMs: performance.now() - started,
            hungUp,
            requestId: typeof id === "string" ? id : null,
          });
        };
        res.on("data", (chunk: Buffer) => {
          if (done) return;
          if (firstByteMs < 0) firstByteMs = performance.now() - started;
          received += chunk.length;
          if (options.hangUpAfter !== undefined && received >= options.hangUpAfter) {
            res.destroy();
            finish(true);
          }
        });
        res.on("end", () => finish(false));
        res.on("error", (error) => (done ? undefined : reject(error)));
        res.on("close", () => {
          // Closed before its end without our hang-up: the edge or origin cut it.
          if (!done && !res.complete) finish(false);
        });
      },
    );
    req.on("error", (error) => (done ? undefined : reject(error)));
    req.end();
  });
}

/** The facts of one request-log line the bench reads. */
export interface RequestLine {
  readonly requestId: string;
  readonly url: string;
  readonly status: number;
  readonly cpuMs: number | null;
  readonly delivery: string;
  readonly bytesOut: number;
  readonly cacheNote: string | null;
}

/** A client request measured from both ends. */
export interface Measured extends ClientResult {
  /** Guest wall time from Viceroy, waitUntil work included. */
  readonly wallMs: number;
  /** The request-log line, null for a program that writes none (the pass-through). */
  readonly line: RequestLine | null;
  /** Origin requests made while it ran, waitUntil included (every origin). */
  readonly originRequests: number;
}

export class BenchEdge {
  private text = "";
  private partial = "";
  /** Keep Viceroy's output (off during load runs, which need none of it). */
  recording = true;

  private constructor(
    private readonly edge: LocalEdge,
    private readonly origins: LocalOrigins,
    /** Whether the program writes request-log lines. */
    readonly logs: boolean,
  ) {}

  static async start(origins: LocalOrigins, wasm: string, name: string, work: string, logs: boolean): Promise<BenchEdge> {
    let self: BenchEdge | undefined;
    const early: Buffer[] = [];
    const edge = await startLocalEdge({
      ports: origins.ports,
      addr: `127.0.0.1:${await freePort()}`,
      manifestPath: join(work, `${name}.toml`),
      logPath: join(work, `${name}.log`),
      wasm,
      logExecutions: true,
      onStdout: (chunk) => (self ? self.take(chunk) : early.push(chunk)),
    });
    self = new BenchEdge(edge, origins, logs);
    for (const chunk of early) self.take(chunk);
    return self;
  }

  get base(): string {
    return this.edge.base;
  }

  get pid(): number | undefined {
    return this.edge.process.pid;
  }

  stop(): Promise<void> {
    return this.edge.stop();
  }

  /** Viceroy's stdout so far, whole lines only. */
  output(from = 0): string {
    return this.text.slice(from);
  }

  mark(): number {
    return this.text.length;
  }

  /** Request-log lines written after `from`. */
  requestLines(from = 0): RequestLine[] {
    return endpointLines(this.output(from), new Set([requestEndpoint.name])).map(({ message }) => {
      const line = JSON.parse(message) as Record<string, unknown>;
      return {
        requestId: String(line.request_id),
        url: String(line.url),
        status: Number(line.status),
        cpuMs: typeof line.cpu_ms === "number" ? line.cpu_ms : null,
        delivery: String(line.delivery),
        bytesOut: Number(line.bytes_out),
        cacheNote: typeof line.cache_note === "string" ? line.cache_note : null,
      };
    });
  }

  /** Origin requests recorded so far, every origin. */
  originCount(): number {
    let n = 0;
    for (const front of this.origins.fronts.values()) n += front.requests.length;
    return n;
  }

  /**
   * One request, alone: waits for its execution to finish (Viceroy's "request completed in")
   * and, for a program that logs, for its request-log line.
   */
  async one(path: string, options: ClientOptions = {}): Promise<Measured> {
    const from = this.mark();
    const originsBefore = this.originCount();
    const client = await clientGet(this.base, path, options);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const output = this.output(from);
      const execution = viceroyExecutions(output).find((x) => x.uri.endsWith(path) && x.wallMs !== null && Number.isFinite(x.wallMs));
      const line = this.logs ? (this.requestLines(from).find((l) => l.requestId === client.requestId) ?? null) : null;
      if (execution && (!this.logs || line)) {
        return { ...client, wallMs: execution.wallMs!, line, originRequests: this.originCount() - originsBefore };
      }
      if (Date.now() > deadline) {
        throw new Error(`GET ${path}: no ${execution ? "request-log line" : "finished execution"} within 60 s (request id ${client.requestId})`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private take(chunk: Buffer): void {
    const text = this.partial + chunk.toString("utf8");
    const end = text.lastIndexOf("\n");
    if (end === -1) {
      this.partial = text;
      return;
    }
    this.partial = text.slice(end + 1);
    if (this.recording) this.text += text.slice(0, end + 1);
  }
}
