// Starts every local origin on loopback: app, assets, feeds, nightly (each behind an
// OriginFront that records requests and injects faults) and the control server. A two-tier run
// (scripts/local-edge.ts `startTwoTierEdge`) also opens each origin on a second port for the
// shield instance, so every recorded request says which tier sent it.

import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import type { OriginName } from "../../src/config/origins.js";
import { acceptWebSockets, appHandler } from "./app.js";
import { BackendLedger, controlServer, OriginFront } from "./front.js";
import { nightlyHandler } from "./nightly.js";
import { r2Handler, startR2 } from "./r2.js";

export type OriginPorts = Record<OriginName | "control", number>;

/** The ports `npm run dev` uses; tests pass zeros to get free ports. */
export const devPorts: OriginPorts = { app: 7701, assets: 7702, feeds: 7703, nightly: 7704, control: 7709 };

/** `npm run dev -- --two-tier`: the same origins for the shield instance (see listenShieldTier). */
export const devShieldTierPorts: Record<OriginName, number> = { app: 7711, assets: 7712, feeds: 7713, nightly: 7714 };

export interface LocalOrigins {
  readonly ports: OriginPorts;
  readonly fronts: Map<string, OriginFront>;
  /** Origin requests by edge request id across every origin, never reset (`GET /budget`). */
  readonly ledger: BackendLedger;
  /**
   * Opens every origin on a second port (from `wanted`, 0 for a free one) whose requests are
   * recorded as the shield tier's; returns those ports (control: the same control server).
   */
  listenShieldTier(wanted?: Partial<Record<OriginName, number>>): Promise<OriginPorts>;
  stop(): Promise<void>;
}

export async function startLocalOrigins(wanted: OriginPorts = devPorts, persistDir?: string): Promise<LocalOrigins> {
  const r2 = await startR2(persistDir);
  const ledger = new BackendLedger();
  const fronts = new Map<string, OriginFront>([
    ["app", new OriginFront("app", appHandler, ledger)],
    ["assets", new OriginFront("assets", r2Handler(r2, "assets"), ledger)],
    ["feeds", new OriginFront("feeds", r2Handler(r2, "feeds"), ledger)],
    ["nightly", new OriginFront("nightly", nightlyHandler, ledger)],
  ]);
  acceptWebSockets(fronts.get("app")!.server);
  // The program's origins only: a two-tier run adds its shield front to `fronts` later.
  const originFronts = [...fronts];
  const ports = { ...wanted };
  for (const [name, front] of fronts) ports[name as OriginName] = await front.listen(wanted[name as OriginName]);
  const control = controlServer(fronts, ledger);
  ports.control = await listen(control, wanted.control);
  return {
    ports,
    fronts,
    ledger,
    async listenShieldTier(wanted = {}) {
      const shieldPorts = { ...ports };
      for (const [name, front] of originFronts) {
        const { port, server } = await front.listenTier("shield", wanted[name as OriginName] ?? 0);
        if (name === "app") acceptWebSockets(server);
        shieldPorts[name as OriginName] = port;
      }
      return shieldPorts;
    },
    async stop() {
      await Promise.all([...fronts.values()].map((f) => f.close()));
      control.closeAllConnections();
      await new Promise<void>((resolve) => control.close(() => resolve()));
      await r2.dispose();
    },
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}
