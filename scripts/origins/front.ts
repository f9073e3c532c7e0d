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
}

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

export class OriginFront {
  readonly requests: RecordedRequest[] = [];
  private faults: { fault: Exclude<Fault, { mode: "down" }>; left: number }[] = [];
  private readonly sockets = new Set<Socket>();
  readonly server: Server;
  private port = 0;
  private isDown = false;

  constructor(
    readonly name: string,
    private readonly handler: Handler,
  ) {
    this.server = createServer((req, res) => void this.serve(req, res));
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve(this.port);
      });
    });
  }

  /** Stops listening and drops every open connection: the origin is down. */
  async down(): Promise<void> {
    if (this.isDown) return;
    this.isDown = true;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Listens again on the same port after down(). */
  async up(): Promise<void> {
    if (!this.isDown) return;
    this.isDown = false;
    await this.listen(this.port);
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    if (this.isDown) return Promise.resolve();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  async addFault(fault: Fault): Promise<void> {
    if (fault.mode === "down") return this.down();
    this.faults.push({ fault, left: fault.times ?? 1 });
  }

  async clearFaults(): Promise<void> {
    this.faults = [];
    await this.up();
  }

  private takeFault(path: string): Fault | null {
    const slot = this.faults.find((f) => f.left > 0 && path.startsWith(("path" in f.fault && f.fault.path) || "/"));
    if (!slot) return null;
    slot.left -= 1;
    this.faults = this.faults.filter((f) => f.left > 0);
    return slot.fault;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests.push({ method: req.method ?? "", url: req.url ?? "", headers: { ...req.headers }, at: Date.now() });
    const fault = this.takeFault(req.url ?? "/");
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

/** The control server: GET/DELETE /requests[/<origin>], POST/DELETE /faults/<origin>. */
export function controlServer(fronts: Map<string, OriginFront>): Server {
  return createServer(async (req, res) => {
    const [, resource, name] = (req.url ?? "/").split("?")[0]!.split("/");
    const targets = name ? [fronts.get(name)].filter((f): f is OriginFront => !!f) : [...fronts.values()];
    if (name && targets.length === 0) return void res.writeHead(404).end(`no origin ${name}\n`);
    const json = (value: unknown) =>
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(value));
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
    if (resource === "faults" && req.method === "DELETE") {
      await Promise.all(targets.map((f) => f.clearFaults()));
      return json({ ok: true });
    }
    res.writeHead(404).end("unknown control call\n");
  });
}
