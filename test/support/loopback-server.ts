// A local HTTP server for the tests of one describe block: started before its tests, stopped
// (open connections included) after them. Tests that stand in for the edge or an origin use it.

import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll } from "vitest";

/** Serves `handler` on a free loopback port for the enclosing describe; `base()` is its URL. */
export function loopbackServer(handler: RequestListener): { base(): string } {
  const server = createServer(handler);
  let base = "";
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { base: () => base };
}
