// Runs the built service under Viceroy against local origins: writes a manifest whose backends
// point at the given ports, starts Viceroy on the given address and waits until it answers.
// Shared by `npm run dev` and the end-to-end tests.

import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { parse, stringify } from "smol-toml";
import { appUploads } from "../src/config/origins.js";
import type { OriginPorts } from "./origins/local-origins.js";
import { projectRoot } from "./origins/r2.js";
import { ensureViceroy } from "./viceroy.js";

export interface LocalEdge {
  readonly base: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

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

/** fastly.toml with its local backends pointed at `ports` (and, for tests, shorter timeouts). */
export function localManifest(ports: OriginPorts, timeouts: TimeoutOverrides = {}): string {
  const manifest = parse(readFileSync(join(projectRoot, "fastly.toml"), "utf8")) as Record<string, any>;
  const backends = manifest.local_server.backends as Record<string, Record<string, unknown>>;
  for (const [name, backend] of Object.entries(backends)) {
    const port = ports[(name === appUploads.name ? appUploads.origin : name) as keyof OriginPorts];
    if (port === undefined) throw new Error(`no local port for backend ${name}`);
    backend.url = `http://127.0.0.1:${port}`;
    if (timeouts.firstByteTimeoutMs) backend.first_byte_timeout_ms = timeouts.firstByteTimeoutMs;
    if (timeouts.betweenBytesTimeoutMs) backend.between_bytes_timeout_ms = timeouts.betweenBytesTimeoutMs;
  }
  return stringify(manifest);
}

export async function startLocalEdge(options: {
  ports: OriginPorts;
  addr: string;
  manifestPath: string;
  /** Where Viceroy's stdout (logging endpoints print there) and stderr are written. */
  logPath?: string;
  /** Also echo Viceroy's output to this process's stdout. */
  echo?: boolean;
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
}): Promise<LocalEdge> {
  const viceroy = ensureViceroy();
  mkdirSync(dirname(options.manifestPath), { recursive: true });
  writeFileSync(options.manifestPath, localManifest(options.ports, options.timeouts));
  const child = spawn(viceroy, ["-C", options.manifestPath, "--addr", options.addr, options.wasm ?? join(projectRoot, "bin", "main.wasm")], {
    cwd: projectRoot,
    env: { ...process.env, ...(options.logExecutions ? { RUST_LOG: executionLogFilter } : {}), ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (options.logPath) {
    const log = createWriteStream(options.logPath, { flags: "w" });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
  }
  if (options.onStdout) child.stdout!.on("data", options.onStdout);
  if (options.echo) {
    child.stdout!.pipe(process.stdout);
    child.stderr!.pipe(process.stderr);
  } else {
    child.stdout!.resume();
    child.stderr!.resume();
  }
  const base = `http://${options.addr}`;
  await waitUntilServing(base, child);
  return {
    base,
    process: child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
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
