// `npm run bench`: how the edge serves mp3s under Viceroy against the local R2, next to a bare
// pass-through Compute program (bench/passthrough/index.js) run in the same way against the same
// origin. A benchmark, not a test: it prints figures and asserts nothing.
//
//   npm run bench                 the table: cold-range time to first byte on 1, 30 and 120 MB
//                                 objects, full 120 MB download rates, edge vs pass-through
//   npm run bench -- --sweep      the same kind of figures for several segment sizes (the
//                                 measurements behind `segmentBytes`, docs/mp3.md)
//   npm run bench -- --sweep --variants 2x4,8x1   only these (MiB x segments opened ahead)
//   npm run bench -- --runs 5     more runs per figure (medians are printed)
//
// Every run starts a fresh Viceroy (an empty cache), so "cold" means what it says.

import { mkdirSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { freePort, startLocalEdge, type LocalEdge } from "./local-edge.js";
import { mp3s, type Fixture } from "./origins/fixtures.js";
import { startLocalOrigins, type LocalOrigins } from "./origins/local-origins.js";
import { projectRoot } from "./origins/r2.js";
import { bundleEdge, compileWasm } from "./wasm.js";
import { prefetchSegments } from "../src/cache/segment-stream.js";
import { segmentBytes, segmentCount, segmentRange } from "../src/cache/segments.js";

const MiB = 1024 * 1024;
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1]) || 3;
const sweep = args.includes("--sweep");
const work = join(projectRoot, ".local", "bench");
const assetsHost = "cdn.changelog.com";

// ---- building the two programs ----

/** What --sweep varies: the segment size and how many segments are opened ahead. */
interface Variant {
  readonly segmentBytes: number;
  readonly prefetchSegments: number;
}

/** The edge as built by `npm run build`, or a variant with other constants (for --sweep). */
async function buildEdge(variant?: Variant): Promise<string> {
  const name = variant ? `edge-${variant.segmentBytes / MiB}mib-w${variant.prefetchSegments}` : "edge";
  const bundle = join(work, `${name}.js`);
  const wasm = join(work, `${name}.wasm`);
  const constants: [RegExp, string, number][] = variant
    ? [
        [/src[\\/]cache[\\/]segments\.ts$/, "segmentBytes", variant.segmentBytes],
        [/src[\\/]cache[\\/]segment-stream\.ts$/, "prefetchSegments", variant.prefetchSegments],
      ]
    : [];
  await bundleEdge(bundle, [
    {
      name: "bench-constants",
      setup(b) {
        for (const [filter, constant, value] of constants) {
          b.onLoad({ filter }, (file) => {
            const source = readFileSync(file.path, "utf8");
            const declaration = new RegExp(`export const ${constant} = [^;]+;`);
            if (!declaration.test(source)) throw new Error(`${constant} declaration not found in ${file.path}`);
            return { contents: source.replace(declaration, `export const ${constant} = ${value};`), loader: "ts" };
          });
        }
      },
    },
  ]);
  compileWasm(bundle, wasm);
  return wasm;
}

function buildPassThrough(): string {
  const wasm = join(work, "passthrough.wasm");
  compileWasm(join(projectRoot, "bench", "passthrough", "index.js"), wasm);
  return wasm;
}

// ---- measuring ----

interface Timed {
  readonly status: number;
  readonly cacheStatus: string;
  readonly firstByteMs: number;
  readonly totalMs: number;
  readonly bytes: number;
}

/** One GET, body counted and dropped: time to the first body byte and to the last. */
function timedGet(base: string, path: string, headers: Record<string, string> = {}): Promise<Timed> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let firstByteMs = -1;
    let bytes = 0;
    const req = request(
      { host: url.hostname, port: url.port, path, headers: { host: assetsHost, ...headers }, agent: false },
      (res) => {
        res.on("data", (chunk: Buffer) => {
          if (firstByteMs < 0) firstByteMs = performance.now() - started;
          bytes += chunk.length;
        });
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            cacheStatus: String(res.headers["cache-status"] ?? ""),
            firstByteMs,
            totalMs: performance.now() - started,
            bytes,
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** 256 KiB at a fraction of the object: 0 is a player starting, anything else a seek. */
function rangeAt(fixture: Fixture, fraction: number): string {
  const start = Math.floor(fixture.size * fraction);
  return `bytes=${start}-${Math.min(fixture.size, start + 256 * 1024) - 1}`;
}

const mbps = (t: Timed) => t.bytes / MiB / (t.totalMs / 1000);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

function expectStatus(t: Timed, status: number, what: string): void {
  if (t.status !== status) throw new Error(`${what}: status ${t.status}, expected ${status}`);
}


async function startEdge(origins: LocalOrigins, wasm: string, name: string): Promise<LocalEdge> {
  return startLocalEdge({
    ports: origins.ports,
    addr: `127.0.0.1:${await freePort()}`,
    manifestPath: join(work, `${name}.toml`),
    logPath: join(work, `${name}.log`),
    wasm,
  });
}

async function originRequestCount(origins: LocalOrigins): Promise<number> {
  const front = origins.fronts.get("assets")!;
  const count = front.requests.length;
  front.requests.length = 0;
  return count;
}

function rssMiB(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

const objects = [
  ["1 MB", mp3s.oneMB],
  ["30 MB", mp3s.thirtyMB],
  ["120 MB", mp3s.oneTwentyMB],
] as const;
const big = mp3s.oneTwentyMB;
const seekAt = 0.37;

/** The figures of one run; `cold` checks that the edge did not answer from its cache. */
interface Figures {
  start: number[];
  seek: number[];
  seekAgain: number;
  full: number;
  cachedFull: number;
  rssGrowth: number;
}

async function ranges(base: string, fraction: number, cold: boolean): Promise<number[]> {
  const ttfb: number[] = [];
  for (const [label, fixture] of objects) {
    const t = await timedGet(base, fixture.path, { range: rangeAt(fixture, fraction) });
    expectStatus(t, 206, `range at ${fraction} of ${label}`);
    if (cold && /; hit/.test(t.cacheStatus)) throw new Error(`range at ${fraction} of ${label} was a hit: ${t.cacheStatus}`);
    ttfb.push(t.firstByteMs);
  }
  return ttfb;
}

/** Two fresh edges: one for ranges at the start, one for seeks and then full downloads. */
async function edgeRun(origins: LocalOrigins, wasm: string): Promise<Figures> {
  let edge = await startEdge(origins, wasm, "edge");
  let start: number[];
  try {
    start = await ranges(edge.base, 0, true);
  } finally {
    await edge.stop();
  }
  edge = await startEdge(origins, wasm, "edge");
  try {
    const seek = await ranges(edge.base, seekAt, true);
    const again = await timedGet(edge.base, big.path, { range: rangeAt(big, seekAt) });
    if (!/; hit/.test(again.cacheStatus)) throw new Error(`repeated range was not a hit: ${again.cacheStatus}`);
    const full = await timedGet(edge.base, big.path);
    expectStatus(full, 200, "first full download");
    const before = rssMiB(edge.process.pid);
    const cached: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = await timedGet(edge.base, big.path);
      expectStatus(t, 200, "cached full download");
      if (!/; hit/.test(t.cacheStatus)) throw new Error(`cached full download was not a hit: ${t.cacheStatus}`);
      cached.push(mbps(t));
    }
    return { start, seek, seekAgain: again.firstByteMs, full: mbps(full), cachedFull: median(cached), rssGrowth: rssMiB(edge.process.pid) - before };
  } finally {
    await edge.stop();
  }
}

async function passThroughRun(base: string): Promise<Figures> {
  const start = await ranges(base, 0, false);
  const seek = await ranges(base, seekAt, false);
  const again = await timedGet(base, big.path, { range: rangeAt(big, seekAt) });
  const full = await timedGet(base, big.path);
  expectStatus(full, 200, "pass-through full download");
  const second = await timedGet(base, big.path);
  return { start, seek, seekAgain: again.firstByteMs, full: mbps(full), cachedFull: mbps(second), rssGrowth: 0 };
}

/**
 * The local origin alone, no Compute program: the 120 MB episode as the edge asks for it when
 * nothing is cached (one request per segment, as many at a time as the edge opens ahead). This is
 * the ceiling of the edge's first-request figure here: each request costs the local R2 (Node
 * front plus workerd) milliseconds of CPU on this machine, which R2 itself does not.
 */
async function originCeiling(origins: LocalOrigins): Promise<number> {
  const base = `http://127.0.0.1:${origins.ports.assets}`;
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < segmentCount(big.size); index = next++) {
      const range = segmentRange(index, big.size);
      await timedGet(base, big.path, { range: `bytes=${range.start}-${range.end}` });
    }
  };
  await Promise.all(Array.from({ length: prefetchSegments }, worker));
  await originRequestCount(origins);
  return big.size / MiB / ((performance.now() - started) / 1000);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("   ")).join("\n");
}

async function mainTable(origins: LocalOrigins): Promise<void> {
  const edgeWasm = await buildEdge();
  const passWasm = buildPassThrough();
  const edgeRuns: Figures[] = [];
  for (let r = 0; r < runs; r++) edgeRuns.push(await edgeRun(origins, edgeWasm));
  const ceiling: number[] = [];
  for (let r = 0; r < runs; r++) ceiling.push(await originCeiling(origins));
  const pass = await startEdge(origins, passWasm, "passthrough");
  const passRuns: Figures[] = [];
  try {
    for (let r = 0; r < runs; r++) passRuns.push(await passThroughRun(pass.base));
  } finally {
    await pass.stop();
  }
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const rate = (v: number) => `${v.toFixed(0)} MB/s`;
  const rows = [[`median of ${runs} runs`, "edge", "pass-through", "edge / pass-through"]];
  const row = (label: string, pick: (f: Figures) => number, format: (v: number) => string) => {
    const e = median(edgeRuns.map(pick));
    const p = median(passRuns.map(pick));
    rows.push([label, format(e), format(p), `${(e / p).toFixed(2)}x`]);
  };
  objects.forEach(([label], i) => row(`time to first byte, cold range at the start, ${label}`, (f) => f.start[i]!, ms));
  objects.forEach(([label], i) => row(`time to first byte, cold seek (${seekAt * 100}%), ${label}`, (f) => f.seek[i]!, ms));
  row("time to first byte, the same seek again, 120 MB", (f) => f.seekAgain, ms);
  row("full 120 MB download, first request", (f) => f.full, rate);
  row("full 120 MB download, cached (pass-through: again)", (f) => f.cachedFull, rate);
  console.log(`\n${table(rows)}\n`);
  console.log(
    "time to first byte: lower is better (ratio > 1: the edge is slower); MB/s: higher is better.\n" +
      `The local origin alone, 120 MB in ${segmentBytes / MiB} MiB ranges, ${prefetchSegments} at a time (no Compute): ` +
      `${median(ceiling).toFixed(0)} MB/s, the ceiling of the first-request figure on this machine.\n` +
      `Viceroy RSS change over three cached 120 MB downloads: ${edgeRuns.map((r) => r.rssGrowth.toFixed(1)).join(", ")} MiB` +
      " (the cache itself lives in Viceroy's memory; a download adds nothing)\n",
  );
}

async function sweepTable(origins: LocalOrigins): Promise<void> {
  const listed = args.includes("--variants") ? args[args.indexOf("--variants") + 1]! : "1x1,1x4,2x1,2x2,2x4,4x1,4x2,8x1,8x2,16x1";
  const variants: Variant[] = listed.split(",").map((v) => {
    const [size, window] = v.split("x").map(Number);
    return { segmentBytes: size! * MiB, prefetchSegments: window! };
  });
  const fractions = [0.13, 0.37, 0.61, 0.89];
  const rows = [["segment, ahead", "TTFB cold seek (mean)", "full 120 MB cold", "full 120 MB cached", "origin requests (full)"]];
  // Build every variant first, so that they all come from the same sources.
  const built: [Variant, string][] = [];
  for (const variant of variants) built.push([variant, await buildEdge(variant)]);
  for (const [variant, wasm] of built) {
    const ttfb: number[] = [];
    const cold: number[] = [];
    const cached: number[] = [];
    let requests = 0;
    for (let r = 0; r < runs; r++) {
      const edge = await startEdge(origins, wasm, "edge-sweep");
      try {
        const seeks: number[] = [];
        for (const fraction of fractions) {
          const t = await timedGet(edge.base, big.path, { range: rangeAt(big, fraction) });
          expectStatus(t, 206, "cold seek");
          seeks.push(t.firstByteMs);
        }
        ttfb.push(mean(seeks));
        await originRequestCount(origins);
        const c = await timedGet(edge.base, big.path);
        expectStatus(c, 200, "cold full");
        cold.push(mbps(c));
        requests = await originRequestCount(origins);
        const h = await timedGet(edge.base, big.path);
        expectStatus(h, 200, "cached full");
        cached.push(mbps(h));
      } finally {
        await edge.stop();
      }
    }
    rows.push([
      `${variant.segmentBytes / MiB} MiB, ${variant.prefetchSegments}`,
      `${median(ttfb).toFixed(1)} ms`,
      `${median(cold).toFixed(0)} MB/s`,
      `${median(cached).toFixed(0)} MB/s`,
      String(requests),
    ]);
    console.log(rows[rows.length - 1]!.join("  |  "));
  }
  console.log(`\nsegment size and segments opened ahead, median of ${runs} runs each:\n\n${table(rows)}\n`);
}

mkdirSync(work, { recursive: true });
const origins = await startLocalOrigins({ app: 0, assets: 0, feeds: 0, nightly: 0, control: 0 }, join(projectRoot, ".local", "r2"));
try {
  if (sweep) await sweepTable(origins);
  else await mainTable(origins);
} finally {
  await origins.stop();
}
