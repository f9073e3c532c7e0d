// The counting front between a POP and its shield (scripts/origins/shield-front.ts): it records
// each request under the origin "shield" in the same recorder and ledger as the origins, and
// passes bodies through as they flow, both ways, so a 300 MB mp3 is never held in memory.

import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { BackendLedger, controlServer, type OriginFront, type RecordedRequest } from "../../../scripts/origins/front.js";
import { forwardedHeaders, forwardedRawHeaders, startShieldFront } from "../../../scripts/origins/shield-front.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A pretend shield instance, a front before it, and the control server, all on free ports. */
async function setup(shield: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(shield);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const ledger = new BackendLedger();
  const fronts = new Map<string, OriginFront>();
  const front = await startShieldFront({ fronts, ledger }, (server.address() as AddressInfo).port);
  cleanups.push(() => front.stop());
  const control = controlServer(fronts, ledger);
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => {
    control.closeAllConnections();
    return new Promise<void>((resolve) => control.close(() => resolve()));
  });
  const controlBase = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;
  return {
    base: `http://127.0.0.1:${front.port}`,
    port: front.port,
    ledger,
    fronts,
    recorded: async () => ((await (await fetch(`${controlBase}/requests/shield`)).json()) as Record<string, RecordedRequest[]>).shield ?? [],
  };
}

describe("the shield front", () => {
  it("forwards method, path, Host, Range and request id, and records them with the status under 'shield'", async () => {
    let seen: IncomingMessage | undefined;
    const { port, recorded, ledger } = await setup((req, res) => {
      seen = req;
      res.writeHead(206, [["Cache-Status", "shield; hit"], ["Set-Cookie", "a=1"], ["Set-Cookie", "b=2"], ["Content-Range", "bytes 0-3/10"]].flat());
      res.end("abcd");
    });
    const answer = await new Promise<{ status: number; raw: string[]; body: string }>((resolve, reject) => {
      const req = request(
        { host: "127.0.0.1", port, path: "/uploads/a.mp3?x=1", headers: { host: "cdn.changelog.com", range: "bytes=0-3", "x-request-id": "pop-1", connection: "keep-alive, x-hop", "x-hop": "1" } },
        (res) => {
          let body = "";
          res.on("data", (c) => (body += c));
          res.on("end", () => resolve({ status: res.statusCode!, raw: res.rawHeaders, body }));
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(answer.status).toBe(206);
    expect(answer.body).toBe("abcd");
    // Repeated response lines stay repeated.
    expect(answer.raw.filter((_, i) => i % 2 === 0 && answer.raw[i]!.toLowerCase() === "set-cookie")).toHaveLength(2);
    expect(seen!.headers.host).toBe("cdn.changelog.com");
    expect(seen!.headers.range).toBe("bytes=0-3");
    expect(seen!.headers["x-request-id"]).toBe("pop-1");
    expect(seen!.headers["x-hop"]).toBeUndefined();
    expect(seen!.url).toBe("/uploads/a.mp3?x=1");
    const [r] = await recorded();
    expect(r).toMatchObject({ method: "GET", url: "/uploads/a.mp3?x=1", tier: "edge", status: 206 });
    expect(r!.headers.range).toBe("bytes=0-3");
    expect(ledger.report().requests["pop-1"]).toMatchObject({ count: 1, origins: { shield: 1 } });
  });

  it("streams the answer: the first bytes reach the POP while the shield still holds the rest back", async () => {
    let release: () => void = () => undefined;
    const { port } = await setup((_req, res) => {
      res.writeHead(200, { "content-type": "audio/mpeg" });
      res.write(Buffer.alloc(64 * 1024, 1));
      // The end waits for the client to have seen the first chunk: a buffering front never would.
      release = () => res.end(Buffer.alloc(10, 2));
    });
    const received = await new Promise<number>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/big" }, (res) => {
        let n = 0;
        res.once("data", () => release());
        res.on("data", (c: Buffer) => (n += c.length));
        res.on("end", () => resolve(n));
      });
      req.on("error", reject);
      req.setTimeout(5_000, () => req.destroy(new Error("the front held the body back")));
      req.end();
    });
    expect(received).toBe(64 * 1024 + 10);
  });

  it("streams the request body: the shield reads the first part before the POP has sent the rest", async () => {
    let sendRest: () => void = () => undefined;
    const { port } = await setup((req, res) => {
      let n = 0;
      req.once("data", () => sendRest());
      req.on("data", (c: Buffer) => (n += c.length));
      req.on("end", () => res.end(String(n)));
    });
    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/upload", method: "PUT" }, (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve(text));
      });
      req.on("error", reject);
      req.setTimeout(5_000, () => req.destroy(new Error("the front held the request body back")));
      req.write(Buffer.alloc(1000, 1));
      sendRest = () => req.end(Buffer.alloc(24, 2));
    });
    expect(body).toBe("1024");
  });

  it("holds no more than a pipe's worth when the POP stops reading (backpressure reaches the shield)", async () => {
    let written = 0;
    let stalled: () => void = () => undefined;
    const stalledAt = new Promise<number>((resolve) => (stalled = () => resolve(written)));
    const { port } = await setup((_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024);
      const pump = () => {
        while (written < 256 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) {
            // Stalled for good once nothing drains for a while; a front that keeps reading
            // (buffering) lets this go on to the full 256 MiB.
            const timer = setTimeout(stalled, 300);
            res.once("drain", () => {
              clearTimeout(timer);
              pump();
            });
            return;
          }
        }
        res.end();
        stalled();
      };
      pump();
    });
    const req = request({ host: "127.0.0.1", port, path: "/paused" }, (res) => res.pause());
    req.end();
    cleanups.push(() => void req.destroy());
    // 256 MiB on offer; socket buffers and stream high-water marks hold a few MiB at most.
    expect(await stalledAt).toBeLessThan(32 * 1024 * 1024);
  });

  it("answers 502 when the shield instance is not there, and cuts the shield's request when the POP goes away", async () => {
    let closed: () => void = () => undefined;
    const shieldSawClose = new Promise<void>((resolve) => (closed = resolve));
    const { port, base, fronts } = await setup((req, res) => {
      res.writeHead(200);
      res.write("partial");
      res.on("close", () => closed());
    });
    const req = request({ host: "127.0.0.1", port, path: "/slow" }, (res) => res.once("data", () => req.destroy()));
    req.on("error", () => undefined);
    req.end();
    await shieldSawClose;

    await fronts.get("shield")!.addFault({ mode: "down" });
    await expect(fetch(`${base}/x`)).rejects.toThrow();
    await fronts.get("shield")!.clearFaults();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const deadPort = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const ledger = new BackendLedger();
    const dead = await startShieldFront({ fronts: new Map(), ledger }, deadPort);
    cleanups.push(() => dead.stop());
    const answer = await fetch(`http://127.0.0.1:${dead.port}/y`);
    expect(answer.status).toBe(502);
    expect(await answer.text()).toMatch(/^shield front: the shield instance did not answer/);
  });
});

describe("forwarded headers", () => {
  it("drop hop-by-hop headers and those Connection names, keep the rest", () => {
    expect(forwardedHeaders({ host: "h", connection: "close, X-A", "x-a": "1", "keep-alive": "5", "transfer-encoding": "chunked", range: "bytes=1-" })).toEqual({ host: "h", range: "bytes=1-" });
    expect(forwardedRawHeaders(["Connection", "keep-alive", "Keep-Alive", "timeout=5", "Via", "1.1 a", "Via", "1.1 b", "Transfer-Encoding", "chunked"])).toEqual(["Via", "1.1 a", "Via", "1.1 b"]);
  });
});
