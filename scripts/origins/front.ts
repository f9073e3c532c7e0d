// What every local origin has in common: it records each request it receives (so tests can
// count origin requests) and can be told to misbehave on purpose (so tests can exercise faults).
// Both are driven over a separate control server, never through the origin's own port.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly at: number;
  /**
   * Which edge instance sent it, by the port it came in on: "edge" (the instance clients talk
   * to: the only one on one tier, a POP on two) or "shield" (the shield instance of a two-tier
   * run, whose backends point at the fronts' shield-tier ports, `LocalOrigins.listenShieldTier`).
   */
  readonly tier: CallerTier;
  /** The status the origin answered with, once it has; 0 before (or when it never did). */
  status: number;
}

/** The edge instance an origin request came from (see RecordedRequest.tier). */
export type CallerTier = "edge" | "shield";

/**
 * A fault applied to the next `times` requests whose path starts with `path`:
 * - `status`: answer with that status and a short body;
 * - `hang`: accept the request and never answer (tests the first-byte timeout);
 * - `reset-after`: send headers and `bytes` body bytes, then destroy the connection;
 * - `delay`: wait `ms` before handling normally;
 * - `stall-after`: send headers and `bytes` body bytes, then nothing more (connection kept open);
 * - `down`: stop listening at once (connections refused) until the faults are cleared.
 */
export type Fault =
  | { readonly mode: "status"; readonly status: number; readonly path?: string; readonly times?: number }
  | { readonly mode: "hang"; readonly path?: string; readonly times?: number }
  | { readonly mode: "reset-after"; readonly bytes: number; readonly path?: string; readonly times?: number }
  | { readonly mode: "delay"; readonly ms: number; readonly path?: string; readonly times?: number }
  | { readonly mode: "stall-after"; readonly bytes: number; readonly path?: string; readonly times?: number }
  | { readonly mode: "down" };

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * Headers an origin adds to every answer (304s included) for paths starting with `path`, on top
 * of what it sends itself: what a test needs an origin to say that R2 cannot be told to say
 * (R2 sends no Surrogate-Control), such as a seconds-long `Surrogate-Control: max-age` for the
 * fixtures of one test. Set with `POST /headers/<origin>`, cleared with `DELETE /headers`.
 */
export interface HeaderRule {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** The header the edge sends its request id in (src/http/origin-request.ts). */
export const requestIdHeader = "x-request-id";

/** One origin request in the ledger: which origin, from which edge instance, when (epoch ms). */
export interface BudgetCall {
  readonly origin: string;
  readonly tier: CallerTier;
  readonly at: number;
}

/** Origin requests one edge request id made, as `GET /budget` reports them. */
export interface BudgetEntry {
  /** Origin requests carrying this id (since the `since` asked for), across every origin. */
  readonly count: number;
  /** The same, by origin. */
  readonly origins: Readonly<Record<string, number>>;
  /** The first of them, to name the edge request when its request-log line is missing. */
  readonly first: { readonly origin: string; readonly method: string; readonly url: string };
  /**
   * Each of them in order. On two tiers one id is shared by a POP execution (its "edge" calls,
   * those to the "shield" origin included) and the shield executions it caused (their "shield"
   * calls): separate executions, each with its own 32, which the limits check tells apart by
   * tier and, within the shield tier, by time (test/support/execution-limits.ts).
   */
  readonly calls: readonly BudgetCall[];
}

/** `GET /budget[?since=<seq>]`: origin requests by request id, from `seq` on (id "" = no id). */
export interface BudgetReport {
  /** Origin requests recorded so far; pass it back as `since` to see only what comes after. */
  readonly seq: number;
  readonly requests: Readonly<Record<string, BudgetEntry>>;
}

/**
 * Every origin request of the run by the edge request id it carried, across all origins: what
 * one execution of the program asked of its backends (Fastly allows 32, src/config/limits.ts).
 * Unlike `requests` it is never cleared by `DELETE /requests`, so a test that resets the origins
 * mid-way cannot hide an execution's requests from the e2e harness (test/e2e/support/limits.ts).
 */
export class BackendLedger {
  private seq = 0;
  private readonly byId = new Map<string, { seq: number; origin: string; method: string; url: string; tier: CallerTier; at: number }[]>();

  record(origin: string, req: IncomingMessage, tier: CallerTier = "edge", at = Date.now()): void {
    const header = req.headers[requestIdHeader];
    const id = (Array.isArray(header) ? header[0] : header) ?? "";
    this.seq += 1;
    let seen = this.byId.get(id);
    if (!seen) this.byId.set(id, (seen = []));
    seen.push({ seq: this.seq, origin, method: req.method ?? "", url: req.url ?? "", tier, at });
  }

  /** Origin requests recorded after `since` (a `seq` from an earlier report), by request id. */
  report(since = 0): BudgetReport {
    const requests: Record<string, BudgetEntry> = {};
    for (const [id, seen] of this.byId) {
      const after = seen.filter((s) => s.seq > since);
      if (after.length === 0) continue;
      const origins: Record<string, number> = {};
      for (const s of after) origins[s.origin] = (origins[s.origin] ?? 0) + 1;
      const { origin, method, url } = after[0]!;
      const calls = after.map((s) => ({ origin: s.origin, tier: s.tier, at: s.at }));
      requests[id] = { count: after.length, origins, first: { origin, method, url }, calls };
    }
    return { seq: this.seq, requests };
  }
}

export class OriginFront {
  readonly requests: RecordedRequest[] = [];
  private faults: { fault: Exclude<Fault, { mode: "down" }>; left: number }[] = [];
  private headerRules: HeaderRule[] = [];
  private readonly sockets = new Set<Socket>();
  /** The listener every edge instance uses on one tier, and a POP uses on two. */
  readonly server: Server;
  /**
   * The same origin on a port of its own for the shield instance of a two-tier run: one
   * recorder, one set of faults and header rules, but each request knows which tier sent it.
   */
  private readonly listeners: { server: Server; tier: CallerTier; port: number }[] = [];
  private isDown = false;

  constructor(
    readonly name: string,
    private readonly handler: Handler,
    /** Shared by every origin of a run, so counts by request id span all of them. */
    private readonly ledger: BackendLedger = new BackendLedger(),
  ) {
    this.server = this.newServer("edge");
  }

  private newServer(tier: CallerTier): Server {
    const server = createServer((req, res) => void this.serve(req, res, tier));
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    this.listeners.push({ server, tier, port: 0 });
    return server;
  }

  /** Listens for the edge tier (the only listener unless `listenTier` adds one). */
  listen(port: number): Promise<number> {
    return this.listenOn(this.listeners[0]!, port);
  }

  /**
   * Also listens on `port` (0: a free one) for requests from the `tier` instance; returns the
   * port and the listener's server (for upgrade handlers such as the app's WebSockets).
   */
  async listenTier(tier: CallerTier, port = 0): Promise<{ port: number; server: Server }> {
    const server = this.newServer(tier);
    const listener = this.listeners.at(-1)!;
    return { port: await this.listenOn(listener, port), server };
  }

  private listenOn(listener: { server: Server; port: number }, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      listener.server.once("error", reject);
      listener.server.listen(port, "127.0.0.1", () => {
        listener.port = (listener.server.address() as AddressInfo).port;
        resolve(listener.port);
      });
    });
  }

  private closeAll(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return Promise.all(
      this.listeners.filter((l) => l.server.listening).map((l) => new Promise<void>((resolve) => l.server.close(() => resolve()))),
    ).then(() => undefined);
  }

  /** Stops listening (every tier's port) and drops every open connection: the origin is down. */
  async down(): Promise<void> {
    if (this.isDown) return;
    this.isDown = true;
    await this.closeAll();
  }

  /** Listens again on the same ports after down(). */
  async up(): Promise<void> {
    if (!this.isDown) return;
    this.isDown = false;
    for (const listener of this.listeners) if (listener.port !== 0) await this.listenOn(listener, listener.port);
  }

  close(): Promise<void> {
    return this.closeAll();
  }

  async addFault(fault: Fault): Promise<void> {
    if (fault.mode === "down") return this.down();
    this.faults.push({ fault, left: fault.times ?? 1 });
  }

  async clearFaults(): Promise<void> {
    this.faults = [];
    await this.up();
  }

  addHeaders(rule: HeaderRule): void {
    this.headerRules = [...this.headerRules.filter((r) => r.path !== rule.path), rule];
  }

  clearHeaders(): void {
    this.headerRules = [];
  }

  private takeFault(path: string): Fault | null {
    const slot = this.faults.find((f) => f.left > 0 && path.startsWith(("path" in f.fault && f.fault.path) || "/"));
    if (!slot) return null;
    slot.left -= 1;
    this.faults = this.faults.filter((f) => f.left > 0);
    return slot.fault;
  }

  private async serve(req: IncomingMessage, res: ServerResponse, tier: CallerTier): Promise<void> {
    const at = Date.now();
    const recorded: RecordedRequest = { method: req.method ?? "", url: req.url ?? "", headers: { ...req.headers }, at, tier, status: 0 };
    this.requests.push(recorded);
    res.once("finish", () => (recorded.status = res.statusCode));
    this.ledger.record(this.name, req, tier, at);
    const fault = this.takeFault(req.url ?? "/");
    // Merged into whatever the handler writes (writeHead's own headers win on a clash).
    for (const rule of this.headerRules) {
      if ((req.url ?? "/").startsWith(rule.path)) for (const [name, value] of Object.entries(rule.headers)) res.setHeader(name, value);
    }
    try {
      if (fault?.mode === "hang") return;
      if (fault?.mode === "status") {
        res.writeHead(fault.status, { "content-type": "text/plain" }).end(`fault injected: ${fault.status}\n`);
        return;
      }
      if (fault?.mode === "delay") await new Promise((r) => setTimeout(r, fault.ms));
      if (fault?.mode === "reset-after") cutAfter(res, fault.bytes, () => res.socket?.destroy());
      if (fault?.mode === "stall-after") cutAfter(res, fault.bytes, () => undefined);
      await this.handler(req, res);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500).end(`local origin error: ${String(error)}\n`);
      else res.destroy();
    }
  }
}

/** Lets `bytes` body bytes through, then nothing more; `then` runs once they are out. */
function cutAfter(res: ServerResponse, bytes: number, then: () => void): void {
  let left = bytes;
  const write = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean;
  const cut = () => setImmediate(then);
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    if (left <= 0) return false;
    if (buf.length >= left) {
      write(buf.subarray(0, left));
      left = 0;
      cut();
      return false;
    }
    left -= buf.length;
    return write(buf, ...rest);
  }) as typeof res.write;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((...args: unknown[]) => {
    const chunk = args[0];
    if (chunk && typeof chunk !== "function") res.write(chunk as Buffer);
    if (left > 0) return end();
    cut();
    return res;
  }) as typeof res.end;
}

/**
 * The control server: GET/DELETE /requests[/<origin>], POST/DELETE /faults/<origin>,
 * POST/DELETE /headers/<origin> (HeaderRule; never cleared by DELETE /faults), and
 * GET /budget[?since=<seq>] (origin requests by edge request id, never reset; see BackendLedger).
 */
export function controlServer(fronts: Map<string, OriginFront>, ledger: BackendLedger = new BackendLedger()): Server {
  return createServer(async (req, res) => {
    const [pathname, search = ""] = (req.url ?? "/").split("?") as [string, string?];
    const [, resource, name] = pathname.split("/");
    const targets = name ? [fronts.get(name)].filter((f): f is OriginFront => !!f) : [...fronts.values()];
    if (name && targets.length === 0) return void res.writeHead(404).end(`no origin ${name}\n`);
    const json = (value: unknown) =>
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(value));
    if (resource === "budget" && req.method === "GET" && !name) {
      const since = Number(new URLSearchParams(search).get("since") ?? 0);
      return json(ledger.report(Number.isSafeInteger(since) ? since : 0));
    }
    if (resource === "requests" && req.method === "GET") {
      return json(Object.fromEntries(targets.map((f) => [f.name, f.requests])));
    }
    if (resource === "requests" && req.method === "DELETE") {
      for (const f of targets) f.requests.length = 0;
      return json({ ok: true });
    }
    if (resource === "faults" && req.method === "POST" && name) {
      let body = "";
      for await (const chunk of req) body += chunk;
      await targets[0]!.addFault(JSON.parse(body) as Fault);
      return json({ ok: true });
    }
    if (resource === "headers" && req.method === "POST" && name) {
      let body = "";
      for await (const chunk of req) body += chunk;
      targets[0]!.addHeaders(JSON.parse(body) as HeaderRule);
      return json({ ok: true });
    }
    if (resource === "headers" && req.method === "DELETE") {
      for (const f of targets) f.clearHeaders();
      return json({ ok: true });
    }
    if (resource === "faults" && req.method === "DELETE") {
      await Promise.all(targets.map((f) => f.clearFaults()));
      return json({ ok: true });
    }
    res.writeHead(404).end("unknown control call\n");
  });
}
