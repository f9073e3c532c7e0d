// Starts the local origins on free ports and the built wasm under Viceroy against them, once for
// the whole end-to-end run; tests reach them through `inject("edge")`. The "e2e" project runs
// one tier (the instance is its own shield); "e2e-shielded" (global-setup-shielded.ts) runs two:
// a POP, which `base` is, in front of a shield instance, plus a second POP sharing that shield.

import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { freePort, startLocalEdge, startTwoTierEdge } from "../../../scripts/local-edge.js";
import { startLocalOrigins } from "../../../scripts/origins/local-origins.js";
import { projectRoot } from "../../../scripts/origins/r2.js";

/** An instance of the program under Viceroy besides the one tests talk to (two tiers). */
export interface EdgeInstance {
  /** http://127.0.0.1:<port> */
  readonly base: string;
  /** Its own Viceroy output, like EdgeContext.logPath. */
  readonly logPath: string;
}

export interface EdgeContext {
  /**
   * 1: one instance, its own shield (fastly.toml's site "local"), filling from the origins.
   * 2: `base` is a POP whose shield is `shield`, reached through a counting front (its requests
   * there are recorded as origin "shield"); the shield fills from the origins.
   */
  readonly tiers: 1 | 2;
  /** http://127.0.0.1:<port> of the edge under Viceroy (the POP on two tiers). */
  readonly base: string;
  /** Two tiers: the shield instance (tests talk to the POP; this is for its log, mostly). */
  readonly shield: EdgeInstance | null;
  /** Two tiers: a second POP with its own cache, sharing the same shield. */
  readonly otherPop: EdgeInstance | null;
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


export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return startEdgeForTests(project, 1);
}

/** The run's origins and edge (one tier or two), provided to the tests as `edge`. */
export async function startEdgeForTests(project: TestProject, tiers: 1 | 2): Promise<() => Promise<void>> {
  const wasm = join(projectRoot, "bin", "main.wasm");
  if (!existsSync(wasm)) throw new Error("bin/main.wasm is missing: run `npm run build` (npm test does)");
  // A directory of this run's own: other runs in the same checkout (on their own free ports)
  // must neither truncate this run's Viceroy log nor hand its Viceroy their manifest.
  const dir = runDirectory(join(projectRoot, ".local", "test"), tiers);
  const origins = await startLocalOrigins(
    { app: 0, assets: 0, feeds: 0, nightly: 0, control: 0 },
    // Miniflare's store is not shared by two instances: both projects may run at once.
    join(projectRoot, ".local", tiers === 1 ? "r2-test" : "r2-test-shielded"),
  );
  const purgeToken = "test-purge-token-3f9a";
  // Both tiers must hold the same one: the POP marks its requests to the shield with it.
  const shieldToken = "test-shield-token-7c21";
  const env = { PURGE_TOKEN: purgeToken, SHIELD_TOKEN: shieldToken };
  const timeouts = { firstByteTimeoutMs: originTimeoutMs, betweenBytesTimeoutMs: originTimeoutMs };
  const control = `http://127.0.0.1:${origins.ports.control}`;
  const common = { control, purgeToken, ports: origins.ports, originTimeoutMs };
  if (tiers === 1) {
    const logPath = join(dir, "viceroy.log");
    const edge = await startLocalEdge({
      ports: origins.ports,
      addr: `127.0.0.1:${await freePort()}`,
      manifestPath: join(dir, "fastly.toml"),
      logPath,
      env,
      // Every execution's wall time, for the limits check after each file (./limits.ts).
      logExecutions: true,
      timeouts,
    });
    project.provide("edge", { tiers, base: edge.base, shield: null, otherPop: null, logPath, ...common });
    return async () => {
      await edge.stop();
      await origins.stop();
    };
  }
  const edge = await startTwoTierEdge({
    origins,
    dir,
    popAddr: `127.0.0.1:${await freePort()}`,
    shieldAddr: `127.0.0.1:${await freePort()}`,
    otherPopAddr: `127.0.0.1:${await freePort()}`,
    logs: true,
    env,
    logExecutions: true,
    timeouts,
  }).catch(async (error: unknown) => {
    await origins.stop();
    throw error;
  });
  project.provide("edge", {
    tiers,
    base: edge.pop.base,
    shield: { base: edge.shield.base, logPath: edge.shield.logPath! },
    otherPop: { base: edge.otherPop!.base, logPath: edge.otherPop!.logPath! },
    logPath: edge.pop.logPath!,
    ...common,
  });
  return async () => {
    await edge.stop();
    await origins.stop();
  };
}

/**
 * `<root>/<pid>` (`<pid>-2tier` for two tiers: both projects of one run have the same pid), after
 * removing the directories of earlier runs whose process has ended.
 */
function runDirectory(root: string, tiers: 1 | 2): string {
  mkdirSync(root, { recursive: true });
  for (const name of readdirSync(root)) {
    const pid = /^(\d+)(?:-2tier)?$/.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || isRunning(Number(pid))) continue;
    rmSync(join(root, name), { recursive: true, force: true });
  }
  const dir = join(root, tiers === 1 ? String(process.pid) : `${process.pid}-2tier`);
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
