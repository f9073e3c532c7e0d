// Runs the built service under Viceroy against local origins: writes a manifest whose backends
// point at the given ports, starts Viceroy on the given address and waits until it answers.
// Shared by `npm run dev` and the end-to-end tests; `startTwoTierEdge` runs two instances of
// the same program as a POP and its shield POP (Fastly shielding, src/config/shielding.ts).

import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { parse, stringify } from "smol-toml";
import { appUploads } from "../src/config/origins.js";
import type { OriginName } from "../src/config/origins.js";
import type { LocalOrigins, OriginPorts } from "./origins/local-origins.js";
import { projectRoot } from "./origins/r2.js";
import { startShieldFront } from "./origins/shield-front.js";
import { ensureViceroy } from "./viceroy.js";

export interface LocalEdge {
  readonly base: string;
  readonly process: ChildProcess;
  /** Where its output is written, when a logPath was given. */
  readonly logPath: string | undefined;
  stop(): Promise<void>;
}

/**
 * The secret that marks a POP's requests to its shield (fastly.toml `shield_token`), when the
 * environment sets none. One value for every local instance, so the tiers of a two-tier run
 * agree even when started separately; Viceroy would read an unset variable as "".
 */
export const localShieldToken = "local-shield-token";

/**
 * Viceroy's log filter when `logExecutions` is asked for: errors from all of Viceroy as by
 * default, plus the INFO events of `viceroy_lib::execute` (viceroy-lib 0.22.0 src/execute.rs).
 * Those are four lines per execution, all in the span `request{id=<n>}`: "handling request
 * <method> <uri>", "response status: <n>", "request completed using <size> of WebAssembly heap"
 * and "request completed in <duration>" (the guest's wall time, waitUntil work included), which
 * the e2e harness reads (test/support/execution-limits.ts). No other module logs at INFO.
 */
export const executionLogFilter = "viceroy=error,viceroy_lib=error,viceroy_lib::execute=info";

/** Shorter origin timeouts for tests that wait for one to fire. */
export interface TimeoutOverrides {
  readonly firstByteTimeoutMs?: number;
  readonly betweenBytesTimeoutMs?: number;
}

/**
 * Where this instance's shield POP is, for the POP tier of a two-tier run. Without it the
 * instance is its own shield (fastly.toml's sites are "local": runningOn() is true, and it
 * fills from the origins).
 */
export interface ShieldSite {
  /** http://127.0.0.1:<port> of the shield instance (or of a front before it). */
  readonly url: string;
}

/**
 * fastly.toml with its local backends pointed at `ports` (and, for tests, shorter timeouts).
 * With `shield`, every shielding site fastly.toml marks "local" points at that instance instead
 * (`{ encrypted, unencrypted }`, the only other form viceroy-lib 0.22.0 accepts, both plain
 * http): this instance is then a POP that is not the shield.
 */
export function localManifest(ports: OriginPorts, timeouts: TimeoutOverrides = {}, shield?: ShieldSite): string {
  const manifest = parse(readFileSync(join(projectRoot, "fastly.toml"), "utf8")) as Record<string, any>;
  const backends = manifest.local_server.backends as Record<string, Record<string, unknown>>;
  for (const [name, backend] of Object.entries(backends)) {
    const port = ports[(name === appUploads.name ? appUploads.origin : name) as keyof OriginPorts];
    if (port === undefined) throw new Error(`no local port for backend ${name}`);
    backend.url = `http://127.0.0.1:${port}`;
    if (timeouts.firstByteTimeoutMs) backend.first_byte_timeout_ms = timeouts.firstByteTimeoutMs;
    if (timeouts.betweenBytesTimeoutMs) backend.between_bytes_timeout_ms = timeouts.betweenBytesTimeoutMs;
  }
  if (shield) {
    const sites = manifest.local_server.shielding_sites as Record<string, unknown> | undefined;
    const local = Object.entries(sites ?? {}).filter(([, site]) => typeof site === "string" && site.toLowerCase() === "local");
    // A POP tier with no site to send to would silently be a second shield: refuse instead.
    if (local.length === 0) throw new Error("fastly.toml has no local shielding site to point at a shield instance");
    if (!/^http:\/\/[^/]+$/.test(shield.url)) throw new Error(`a shield site is http://host:port, not ${shield.url}`);
    for (const [name] of local) sites![name] = { encrypted: shield.url, unencrypted: shield.url };
  }
  return stringify(manifest);
}

export async function startLocalEdge(options: {
  ports: OriginPorts;
  addr: string;
  manifestPath: string;
  /** Where Viceroy's stdout (logging endpoints print there) and stderr are written. */
  logPath?: string;
  /** Also echo Viceroy's output to this process's stdout; a string prefixes each echoed line. */
  echo?: boolean | string;
  /** Also hands every chunk of Viceroy's stdout (where logging endpoints print) to this. */
  onStdout?: (chunk: Buffer) => void;
  env?: NodeJS.ProcessEnv;
  /**
   * Have Viceroy log each execution's start, wall time and heap (RUST_LOG=executionLogFilter);
   * the e2e harness checks them against Fastly's limits. An explicit `env.RUST_LOG` wins.
   */
  logExecutions?: boolean;
  timeouts?: TimeoutOverrides;
  /** The Compute program to run; bin/main.wasm unless given (the bench also runs others). */
  wasm?: string;
  /** Makes this instance a POP whose shield is elsewhere (see ShieldSite); else it is the shield. */
  shield?: ShieldSite;
}): Promise<LocalEdge> {
  const viceroy = ensureViceroy();
  mkdirSync(dirname(options.manifestPath), { recursive: true });
  writeFileSync(options.manifestPath, localManifest(options.ports, options.timeouts, options.shield));
  const child = spawn(viceroy, ["-C", options.manifestPath, "--addr", options.addr, options.wasm ?? join(projectRoot, "bin", "main.wasm")], {
    cwd: projectRoot,
    env: {
      ...process.env,
      SHIELD_TOKEN: process.env.SHIELD_TOKEN ?? localShieldToken,
      ...(options.logExecutions ? { RUST_LOG: executionLogFilter } : {}),
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (options.logPath) {
    const log = createWriteStream(options.logPath, { flags: "w" });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
  }
  if (options.onStdout) child.stdout!.on("data", options.onStdout);
  if (typeof options.echo === "string") {
    prefixLines(child.stdout!, process.stdout, options.echo);
    prefixLines(child.stderr!, process.stderr, options.echo);
  } else if (options.echo) {
    child.stdout!.pipe(process.stdout);
    child.stderr!.pipe(process.stderr);
  } else {
    child.stdout!.resume();
    child.stderr!.resume();
  }
  // Viceroy must not outlive this process, however it ends: Miniflare's exit hook (the local
  // R2) exits on SIGINT/SIGTERM before an async stop() has run, and an orphan keeps its port.
  const killOnExit = () => child.kill("SIGTERM");
  process.once("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));
  const base = `http://${options.addr}`;
  await waitUntilServing(base, child);
  return {
    base,
    process: child,
    logPath: options.logPath,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** Copies `from` to `to` with `prefix` at the start of every line (two instances, one terminal). */
function prefixLines(from: NodeJS.ReadableStream, to: NodeJS.WritableStream, prefix: string): void {
  let pending = "";
  from.on("data", (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split("\n");
    pending = lines.pop()!;
    for (const line of lines) to.write(`${prefix}${line}\n`);
  });
  from.on("end", () => pending && to.write(`${prefix}${pending}\n`));
}

/** Everything an instance of a two-tier run shares with the others, as for startLocalEdge. */
export interface TwoTierOptions {
  /** The running local origins: the shield fills from them (on their shield-tier ports). */
  readonly origins: LocalOrigins;
  /** Manifests and, with `logs`, each instance's output: `<dir>/<pop|shield|pop-2>/…`. */
  readonly dir: string;
  /** The POP clients talk to. */
  readonly popAddr: string;
  readonly shieldAddr: string;
  /** A second POP sharing the same shield (another POP's cache in front of the same shield). */
  readonly otherPopAddr?: string;
  /** The counting front's port (0 or unset: a free one). */
  readonly shieldFrontPort?: number;
  /** The origins' ports for the shield instance (unset: free ones). */
  readonly shieldTierPorts?: Partial<Record<OriginName, number>>;
  /** Write each instance's output to `<dir>/<name>/viceroy.log`. */
  readonly logs?: boolean;
  /** Echo each instance's output, every line prefixed with its name. */
  readonly echo?: boolean;
  /** Every chunk of an instance's stdout (where logging endpoints print), with its name. */
  readonly onStdout?: (instance: TwoTierInstance, chunk: Buffer) => void;
  /** Both tiers get the same environment: the same PURGE_TOKEN and SHIELD_TOKEN. */
  readonly env?: NodeJS.ProcessEnv;
  readonly logExecutions?: boolean;
  readonly timeouts?: TimeoutOverrides;
  readonly wasm?: string;
}

export type TwoTierInstance = "pop" | "shield" | "pop-2";

export interface TwoTierEdge {
  /** The POP clients talk to (its shielding site is the front before `shield`). */
  readonly pop: LocalEdge;
  /** The shield POP: the same program, its site "local", filling from the origins. */
  readonly shield: LocalEdge;
  /** The second POP, when `otherPopAddr` was given. */
  readonly otherPop: LocalEdge | null;
  /** The counting front's port: the POPs' requests to the shield, recorded as origin "shield". */
  readonly shieldFrontPort: number;
  /** The ports the shield instance's backends use (the same origins, recorded as its tier). */
  readonly shieldTierPorts: OriginPorts;
  stop(): Promise<void>;
}

/**
 * Two tiers of the same program under Viceroy, as Fastly shielding runs it: a shield instance
 * (fastly.toml's site "local") whose backends are the origins' shield-tier ports, the counting
 * front before it (scripts/origins/shield-front.ts), and a POP (and optionally a second one)
 * whose shielding site is that front. Shared by `npm run dev -- --two-tier` and the e2e
 * suite's shielded project; the caller starts and stops the origins.
 */
export async function startTwoTierEdge(options: TwoTierOptions): Promise<TwoTierEdge> {
  const env = { SHIELD_TOKEN: process.env.SHIELD_TOKEN ?? localShieldToken, ...options.env };
  const instance = (name: TwoTierInstance, addr: string, ports: OriginPorts, shield?: ShieldSite) =>
    startLocalEdge({
      ports,
      addr,
      manifestPath: join(options.dir, name, "fastly.toml"),
      logPath: options.logs ? join(options.dir, name, "viceroy.log") : undefined,
      echo: options.echo ? `[${name}] ` : false,
      onStdout: options.onStdout ? (chunk) => options.onStdout!(name, chunk) : undefined,
      env,
      logExecutions: options.logExecutions,
      timeouts: options.timeouts,
      wasm: options.wasm,
      shield,
    });
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    for (const s of started.splice(0).reverse()) await s.stop();
  };
  try {
    const shieldTierPorts = await options.origins.listenShieldTier(options.shieldTierPorts);
    const shield = await instance("shield", options.shieldAddr, shieldTierPorts);
    started.push(shield);
    const front = await startShieldFront(options.origins, Number(new URL(shield.base).port), options.shieldFrontPort ?? 0);
    started.push(front);
    const site = { url: `http://127.0.0.1:${front.port}` };
    const [pop, otherPop] = await Promise.all([
      instance("pop", options.popAddr, options.origins.ports, site),
      options.otherPopAddr ? instance("pop-2", options.otherPopAddr, options.origins.ports, site) : Promise.resolve(null),
    ]);
    started.push(pop, ...(otherPop ? [otherPop] : []));
    return { pop, shield, otherPop, shieldFrontPort: front.port, shieldTierPorts, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function waitUntilServing(base: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`viceroy exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${base}/health`);
      if (res.status === 204) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`viceroy did not answer on ${base} within 60 s`);
}

/** A loopback port nothing listens on now, for an edge of its own (tests, bench, load test). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
