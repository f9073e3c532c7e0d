// Starts every local origin on loopback: app, assets, feeds, nightly (each behind an
// OriginFront that records requests and injects faults) and the control server.

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

export interface LocalOrigins {
  readonly ports: OriginPorts;
  readonly fronts: Map<string, OriginFront>;
  /** Origin requests by edge request id across every origin, never reset (`GET /budget`). */
  readonly ledger: BackendLedger;
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
  const ports = { ...wanted };
  for (const [name, front] of fronts) ports[name as OriginName] = await front.listen(wanted[name as OriginName]);
  const control = controlServer(fronts, ledger);
  ports.control = await listen(control, wanted.control);
  return {
    ports,
    fronts,
    ledger,
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
