// Starts the local origins on free ports and the built wasm under Viceroy against them, once for
// the whole end-to-end run; tests reach them through `inject("edge")`.

import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { freePort, startLocalEdge } from "../../../scripts/local-edge.js";
import { startLocalOrigins } from "../../../scripts/origins/local-origins.js";
import { projectRoot } from "../../../scripts/origins/r2.js";

export interface EdgeContext {
  /** http://127.0.0.1:<port> of the edge under Viceroy. */
  readonly base: string;
  /** http://127.0.0.1:<port> of the origins' control server. */
  readonly control: string;
  /**
   * Viceroy's stdout and stderr; logging endpoints print `<endpoint> :: <line>` there, and
   * Viceroy its per-execution lines (`executionLogFilter` in scripts/local-edge.ts).
   */
  readonly logPath: string;
  readonly purgeToken: string;
  readonly ports: Record<string, number>;
  /** The first-byte and between-bytes timeout of every backend in this run. */
  readonly originTimeoutMs: number;
}

/** Tests that make an origin hang wait this long, not production's 15 s / 10 s. */
const originTimeoutMs = 2_000;

declare module "vitest" {
  export interface ProvidedContext {
    edge: EdgeContext;
  }
}


export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const wasm = join(projectRoot, "bin", "main.wasm");
  if (!existsSync(wasm)) throw new Error("bin/main.wasm is missing: run `npm run build` (npm test does)");
  // A directory of this run's own: other runs in the same checkout (on their own free ports)
  // must neither truncate this run's Viceroy log nor hand its Viceroy their manifest.
  const dir = runDirectory(join(projectRoot, ".local", "test"));
  const origins = await startLocalOrigins(
    { app: 0, assets: 0, feeds: 0, nightly: 0, control: 0 },
    join(projectRoot, ".local", "r2-test"),
  );
  const purgeToken = "test-purge-token-3f9a";
  const logPath = join(dir, "viceroy.log");
  const edge = await startLocalEdge({
    ports: origins.ports,
    addr: `127.0.0.1:${await freePort()}`,
    manifestPath: join(dir, "fastly.toml"),
    logPath,
    env: { PURGE_TOKEN: purgeToken },
    // Every execution's wall time, for the limits check after each file (./limits.ts).
    logExecutions: true,
    timeouts: { firstByteTimeoutMs: originTimeoutMs, betweenBytesTimeoutMs: originTimeoutMs },
  });
  project.provide("edge", {
    base: edge.base,
    control: `http://127.0.0.1:${origins.ports.control}`,
    logPath,
    purgeToken,
    ports: origins.ports,
    originTimeoutMs,
  });
  return async () => {
    await edge.stop();
    await origins.stop();
  };
}

/** `<root>/<pid>`, after removing the directories of earlier runs whose process has ended. */
function runDirectory(root: string): string {
  mkdirSync(root, { recursive: true });
  for (const name of readdirSync(root)) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid || isRunning(Number(name))) continue;
    rmSync(join(root, name), { recursive: true, force: true });
  }
  const dir = join(root, String(process.pid));
  mkdirSync(dir, { recursive: true });
  return dir;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
