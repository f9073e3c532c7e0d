// The local origins' ledger of origin requests by edge request id (scripts/origins/front.ts):
// counted across every origin, reported from a position on, and never cleared by the reset
// tests use between cases, so the e2e limits check sees every origin request of an execution.

import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { BackendLedger, controlServer, OriginFront } from "../../../scripts/origins/front.js";

const servers: { close(): void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function listening<T extends { listen(port: number, host: string, cb: () => void): unknown; address(): unknown; close(): void }>(server: T): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

describe("BackendLedger through the control server", () => {
  it("counts by X-Request-Id across origins, from `since` on, and survives DELETE /requests", async () => {
    const ledger = new BackendLedger();
    const app = new OriginFront("app", (_req, res) => void res.end("ok"), ledger);
    const assets = new OriginFront("assets", (_req, res) => void res.end("ok"), ledger);
    const appPort = await app.listen(0);
    const assetsPort = await assets.listen(0);
    servers.push({ close: () => void app.close() }, { close: () => void assets.close() });
    const control = `http://127.0.0.1:${await listening(controlServer(new Map([["app", app], ["assets", assets]]), ledger))}`;
    const budget = async (since = 0) => (await (await fetch(`${control}/budget?since=${since}`)).json()) as ReturnType<BackendLedger["report"]>;

    await fetch(`http://127.0.0.1:${appPort}/page`, { headers: { "x-request-id": "r1" } });
    const mark = (await budget()).seq;
    await fetch(`http://127.0.0.1:${assetsPort}/seg/0`, { headers: { "x-request-id": "r1" } });
    await fetch(`http://127.0.0.1:${assetsPort}/seg/1`, { headers: { "x-request-id": "r1" } });
    await fetch(`http://127.0.0.1:${appPort}/none`);
    expect((await fetch(`${control}/requests`, { method: "DELETE" })).ok).toBe(true);

    const all = await budget();
    expect(all.seq).toBe(4);
    const call = (origin: string) => ({ origin, tier: "edge", at: expect.any(Number) });
    expect(all.requests).toEqual({
      r1: { count: 3, origins: { app: 1, assets: 2 }, first: { origin: "app", method: "GET", url: "/page" }, calls: [call("app"), call("assets"), call("assets")] },
      "": { count: 1, origins: { app: 1 }, first: { origin: "app", method: "GET", url: "/none" }, calls: [call("app")] },
    });
    expect((await budget(mark)).requests.r1).toEqual({
      count: 2,
      origins: { assets: 2 },
      first: { origin: "assets", method: "GET", url: "/seg/0" },
      calls: [call("assets"), call("assets")],
    });
    expect((await budget(all.seq)).requests).toEqual({});
  });
});

describe("an origin's shield-tier port", () => {
  it("records which tier each request came in from, in the recorder and the ledger, with one set of faults", async () => {
    const ledger = new BackendLedger();
    const assets = new OriginFront("assets", (_req, res) => void res.end("ok"), ledger);
    const edgePort = await assets.listen(0);
    const { port: shieldPort } = await assets.listenTier("shield");
    servers.push({ close: () => void assets.close() });
    expect(shieldPort).not.toBe(edgePort);

    const before = Date.now();
    await fetch(`http://127.0.0.1:${edgePort}/a`, { headers: { "x-request-id": "r2" } });
    await fetch(`http://127.0.0.1:${shieldPort}/a`, { headers: { "x-request-id": "r2" } });
    expect(assets.requests.map((r) => r.tier)).toEqual(["edge", "shield"]);
    const calls = ledger.report().requests.r2!.calls;
    expect(calls.map((c) => c.tier)).toEqual(["edge", "shield"]);
    expect(calls.every((c) => c.at >= before && c.at <= Date.now())).toBe(true);

    // A fault is the origin's, whichever tier asks.
    await assets.addFault({ mode: "status", status: 503 });
    expect((await fetch(`http://127.0.0.1:${shieldPort}/b`)).status).toBe(503);
    // Down means down on every port, and up again on the same ones.
    await assets.addFault({ mode: "down" });
    await expect(fetch(`http://127.0.0.1:${shieldPort}/c`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${edgePort}/c`)).rejects.toThrow();
    await assets.clearFaults();
    expect((await fetch(`http://127.0.0.1:${shieldPort}/d`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${edgePort}/d`)).status).toBe(200);
  });
});
