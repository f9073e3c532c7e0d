// `npm run bench`: how the edge serves mp3s under Viceroy against the local R2, next to a bare
// pass-through Compute program (bench/passthrough/index.js) run in the same way against the same
// origin, measured against Fastly Compute's per-execution limits (src/config/limits.ts: 32
// backend requests, 50 ms vCPU, 2 minutes). A benchmark, not a test: it prints figures and
// asserts nothing (it stops only when an answer is not the kind a figure is about).
//
//   npm run bench                 every table, medians of 3 runs (about 3-4 minutes here)
//   npm run bench -- --quick      one run each, a shorter load run (about 1-2 minutes)
//   npm run bench -- --runs 5     more runs per figure
//   npm run bench -- --sweep      cold-seek time to first byte and a cold player's origin
//                                 requests for several segment sizes (`--segments 1,2,4,8`, MiB)
//   npm run bench -- --tiers      table 5 alone (origin requests per tier)
//
// The tables:
//   1. per execution, cached: guest wall time (Viceroy's "request completed in") and cpu_ms (the
//      request-log line) of full 1/30/120 MB downloads and of the largest answer from the store, and their
//      slope per MB;
//   2. origin requests (counted at the local origins) of a cold 300 MB GET, a cold `bytes=0-` of
//      it, a player reading the 120 MB episode by open ranges; beside what the pure planner
//      predicts (scripts/bench/planner.ts), which alone gives the 1 GB figures;
//   3. cold-seek time to first byte, and a cached small asset under load (autocannon);
//   4. downloads the stats importer counts for a mix of clients vs what they received;
//   5. origin requests per tier (docs/caching.md "Two tiers"): on a fresh POP and shield
//      (scripts/local-edge.ts `startTwoTierEdge`), table 2's cold requests, and the player again
//      at a second POP behind the same shield: per client request the most backend requests of
//      the POP's execution (to the shield) and of any shield execution (to R2), the totals of
//      each tier, and table 2's one-tier totals; beside the two-tier planner, alone for 1 GiB.
// Requests are sent one at a time (except under load), so that every Viceroy execution line,
// request-log line and origin request belongs to one client request. Every "cold" figure starts
// a fresh Viceroy (an empty cache), or on two tiers a fresh POP and shield.

import { mkdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { writtenBodyBytes } from "../src/cache/asset-delivery.js";
import { segmentBytes } from "../src/cache/segments.js";
import { segmentSizeFor } from "../src/cache/tiers.js";
import { computeLimits } from "../src/config/limits.js";
import { parseContentRange } from "../src/http/range.js";
import { runClientMix } from "./bench/client-mix.js";
import { smallAssetLoad, type LoadFigures } from "./bench/load.js";
import { BenchEdge, type Measured } from "./bench/measure.js";
import {
  plannedFullGet,
  plannedOpenRange,
  plannedPlayer,
  plannedTieredFullGet,
  plannedTieredOpenRange,
  plannedTieredPlayer,
  PlannedObject,
  type PlannedTierTotals,
  type PlannedTotals,
} from "./bench/planner.js";
import { TwoTierBench, type TierMeasured } from "./bench/tiers.js";
import { viceroyVersion } from "./viceroy.js";
import { mp3s, type Fixture } from "./origins/fixtures.js";
import { startLocalOrigins, type LocalOrigins } from "./origins/local-origins.js";
import { projectRoot } from "./origins/r2.js";
import { bundleEdge, compileWasm } from "./wasm.js";

const MiB = 1024 * 1024;
const { values: args } = parseArgs({
  options: {
    runs: { type: "string" },
    quick: { type: "boolean", default: false },
    sweep: { type: "boolean", default: false },
    tiers: { type: "boolean", default: false },
    segments: { type: "string", default: "1,2,4,8" },
  },
});
const quick = args.quick;
const runs = Number(args.runs) || (quick ? 1 : 3);
const loadSeconds = quick ? 3 : 10;
/** Table 1's rounds: cheap (a few seconds each), and its wall times are noisy. */
const rounds = Math.max(runs, quick ? 3 : 7);
const loadConnections = 32;
const work = join(projectRoot, ".local", "bench");
const seekAt = 0.37;
const smallAsset = "/static/css/app.css";

// ---- building the two programs ----

/** The edge as `npm run build` makes it, or with another segment size (for --sweep). */
async function buildEdge(segment?: number): Promise<string> {
  const name = segment === undefined ? "edge" : `edge-${segment / MiB}mib`;
  const bundle = join(work, `${name}.js`);
  const wasm = join(work, `${name}.wasm`);
  await bundleEdge(
    bundle,
    segment === undefined
      ? []
      : [
          {
            name: "bench-segment-size",
            setup(b) {
              b.onLoad({ filter: /src[\\/]cache[\\/]segments\.ts$/ }, (file) => {
                const source = readFileSync(file.path, "utf8");
                const declaration = /export const segmentBytes = [^;]+;/;
                if (!declaration.test(source)) throw new Error(`segmentBytes declaration not found in ${file.path}`);
                return { contents: source.replace(declaration, `export const segmentBytes = ${segment};`), loader: "ts" };
              });
            },
          },
        ],
  );
  compileWasm(bundle, wasm);
  return wasm;
}

function buildPassThrough(): string {
  const wasm = join(work, "passthrough.wasm");
  compileWasm(join(projectRoot, "bench", "passthrough", "index.js"), wasm);
  return wasm;
}

// ---- small helpers ----

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** Least-squares slope of y over x. */
function slope(points: readonly (readonly [number, number])[]): number {
  const mx = mean(points.map((p) => p[0]));
  const my = mean(points.map((p) => p[1]));
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return num / den;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: readonly string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ");
  return [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

function expect(m: Measured, status: number, what: string): Measured {
  if (m.status !== status) throw new Error(`${what}: status ${m.status}, expected ${status} (${String(m.headers["cache-status"] ?? "")})`);
  return m;
}

const cpuOf = (m: Measured): number | null => m.line?.cpuMs ?? (m.headers["x-bench-cpu-ms"] ? Number(m.headers["x-bench-cpu-ms"]) : null);
const mbps = (m: Measured) => m.received / MiB / (m.totalMs / 1000);
const ms = (v: number | null) => (v === null || Number.isNaN(v) ? "-" : `${v.toFixed(v < 10 ? 1 : 0)}`);
/** A vCPU figure, marked when over Fastly's limit. */
const cpuMs = (v: number | null) => `${ms(v)}${v !== null && v > computeLimits.cpuMs ? "!" : ""}`;
const openRangeAt = (fixture: Fixture, fraction: number) => `bytes=${Math.floor(fixture.size * fraction)}-`;

async function withEdge<T>(origins: LocalOrigins, wasm: string, name: string, logs: boolean, use: (edge: BenchEdge) => Promise<T>): Promise<T> {
  const edge = await BenchEdge.start(origins, wasm, name, work, logs);
  try {
    return await use(edge);
  } finally {
    await edge.stop();
  }
}

// ---- 1. per execution, cached ----

const downloads = [
  ["1 MB", mp3s.oneMB],
  ["30 MB", mp3s.thirtyMB],
  ["120 MB", mp3s.oneTwentyMB],
] as const;
const episode = mp3s.oneTwentyMB;

interface Execution {
  readonly wall: number;
  readonly cpu: number | null;
  readonly mbps: number;
  readonly delivery: string;
  readonly bytesOut: number | null;
  readonly originRequests: number;
}

function summarize(all: readonly Measured[]): Execution {
  const cpus = all.map(cpuOf).filter((c): c is number => c !== null);
  return {
    wall: median(all.map((m) => m.wallMs)),
    cpu: cpus.length ? median(cpus) : null,
    mbps: median(all.map(mbps)),
    delivery: [...new Set(all.map((m) => m.line?.delivery ?? "-"))].join("/"),
    bytesOut: all[0]!.line?.bytesOut ?? null,
    originRequests: median(all.map((m) => m.originRequests)),
  };
}

/** Every download once to fill the cache, then `rounds` measured rounds; the bounded answer last. */
async function perExecution(edge: BenchEdge): Promise<Execution[]> {
  // The largest answer from the store: a player's open range, which the edge bounds; the
  // pass-through (which would send the whole rest) is asked for the same bytes.
  const at = Math.floor(episode.size * seekAt);
  const range = edge.logs ? `bytes=${at}-` : `bytes=${at}-${at + writtenBodyBytes - 1}`;
  const items = [
    ...downloads.map(([label, fixture]) => ({ label, path: fixture.path, headers: {}, status: 200 })),
    { label: "bounded answer", path: episode.path, headers: { range }, status: 206 },
  ];
  for (const item of items) await edge.one(item.path, { headers: item.headers });
  const measured: Measured[][] = items.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, item] of items.entries()) measured[i]!.push(expect(await edge.one(item.path, { headers: item.headers }), item.status, `${item.label} cached`));
  }
  return measured.map(summarize);
}

// ---- 2. origin requests ----

interface Requests {
  readonly label: string;
  readonly measured: { requests: number; originRequests: number; maxPerRequest: number; medianCpu: number | null; maxCpu: number | null; maxWall: number; seconds: number } | null;
  readonly planned: PlannedTotals;
}

async function originRequestsOf(origins: LocalOrigins, wasm: string): Promise<Requests[]> {
  const big = mp3s.threeHundredMB;
  const sequence = async (label: string, fixture: Fixture, planned: PlannedTotals, requests: (edge: BenchEdge) => Promise<Measured[]>): Promise<Requests> =>
    withEdge(origins, wasm, "edge-cold", true, async (edge) => {
      const started = performance.now();
      const all = await requests(edge);
      const cpus = all.map(cpuOf).filter((c): c is number => c !== null);
      return {
        label,
        planned,
        measured: {
          requests: all.length,
          originRequests: all.reduce((n, m) => n + m.originRequests, 0),
          maxPerRequest: Math.max(...all.map((m) => m.originRequests)),
          medianCpu: cpus.length ? median(cpus) : null,
          maxCpu: cpus.length ? Math.max(...cpus) : null,
          maxWall: Math.max(...all.map((m) => m.wallMs)),
          seconds: (performance.now() - started) / 1000,
        },
      };
    });
  const rows: Requests[] = [];
  rows.push(await sequence("cold 300 MB, full GET", big, plannedFullGet(big.size), async (edge) => [expect(await edge.one(big.path), 200, "cold 300 MB GET")]));
  rows.push(
    await sequence("cold 300 MB, bytes=0-", big, plannedOpenRange(big.size), async (edge) => [
      expect(await edge.one(big.path, { headers: { range: "bytes=0-" } }), 206, "cold 300 MB bytes=0-"),
    ]),
  );
  rows.push(
    await sequence(`player, all of 120 MB by bytes=N- (cold)`, episode, plannedPlayer(episode.size), async (edge) => {
      const all: Measured[] = [];
      for (let next = 0; next < episode.size; ) {
        const m = expect(await edge.one(episode.path, { headers: { range: `bytes=${next}-` } }), 206, `player at ${next}`);
        all.push(m);
        next = parseContentRange(String(m.headers["content-range"]))!.range!.end + 1;
      }
      return all;
    }),
  );
  const gb = 1024 * MiB;
  rows.push({ label: "cold 1 GiB, full GET", measured: null, planned: plannedFullGet(gb) });
  rows.push({ label: "cold 1 GiB, bytes=0-", measured: null, planned: plannedOpenRange(gb) });
  rows.push({ label: "player, all of 1 GiB by bytes=N- (cold)", measured: null, planned: plannedPlayer(gb) });
  return rows;
}

// ---- 3. cold seeks and a small asset under load ----

interface Seeks {
  /** Time to first byte of a cold `bytes=N-` at 37 %, per download size. */
  readonly cold: number[];
  /** The 120 MB seek again (the edge: cached). */
  readonly again: number;
}

async function seeks(origins: LocalOrigins, wasm: string, logs: boolean): Promise<Seeks> {
  const cold: number[][] = downloads.map(() => []);
  const again: number[] = [];
  for (let r = 0; r < runs; r++) {
    await withEdge(origins, wasm, logs ? "edge-seeks" : "passthrough-seeks", logs, async (edge) => {
      // The pass-through would send the whole rest of the object: both read the bytes an edge answer holds.
      const read = { hangUpAfter: writtenBodyBytes };
      for (const [i, [label, fixture]] of downloads.entries()) {
        const m = expect(await edge.one(fixture.path, { headers: { range: openRangeAt(fixture, seekAt) }, ...read }), 206, `cold seek ${label}`);
        if (logs && /; hit/.test(String(m.headers["cache-status"]))) throw new Error(`cold seek ${label} was a hit`);
        cold[i]!.push(m.firstByteMs);
      }
      again.push((await edge.one(episode.path, { headers: { range: openRangeAt(episode, seekAt) }, ...read })).firstByteMs);
    });
  }
  return { cold: cold.map(median), again: median(again) };
}

// ---- 5. origin requests per tier ----

interface TierRow {
  readonly label: string;
  readonly measured: {
    readonly requests: number;
    /** The most backend requests of one POP execution, and all of them (each to the shield). */
    readonly maxPop: number;
    readonly popRequests: number;
    /** The most R2 requests of one shield execution, and all of them. */
    readonly maxR2: number;
    readonly r2Requests: number;
    /** Whether every R2 request fell in one shield execution only (else maxR2 is a bound). */
    readonly exact: boolean;
    readonly seconds: number;
  } | null;
  /** Table 2's origin requests for the same requests on one tier, when it measured them. */
  readonly oneTier: number | null;
  readonly planned: PlannedTierTotals;
  /** The one-tier planner's, for the 1 GiB rows. */
  readonly plannedOneTier: number;
}

/**
 * A figure about filling through the shield needs a POP that filled through it: an answer of the
 * expected status, every POP backend request sent to the shield (none to R2 itself, which it does
 * once the shield cannot be reached), and at least one (every request here asks a cold POP for
 * bytes it has not got).
 */
function expectThroughShield(m: TierMeasured, status: number, what: string): TierMeasured {
  if (m.status !== status) throw new Error(`${what}: status ${m.status}, expected ${status} (${String(m.headers["cache-status"] ?? "")})`);
  if (m.popDirect > 0) throw new Error(`${what}: the POP sent ${m.popDirect} request(s) to an origin itself, not through the shield (${String(m.headers["cache-status"] ?? "")})`);
  if (m.toShield === 0) throw new Error(`${what}: the POP answered without asking the shield, though its cache held none of it (${String(m.headers["cache-status"] ?? "")})`);
  return m;
}

async function perTier(origins: LocalOrigins, wasm: string, oneTier: readonly Requests[]): Promise<TierRow[]> {
  const big = mp3s.threeHundredMB;
  const oneTierOf = (label: string) => oneTier.find((r) => r.label === label)?.measured?.originRequests ?? null;
  const withTiers = async <T>(secondPop: boolean, use: (tiers: TwoTierBench) => Promise<T>): Promise<T> => {
    const tiers = await TwoTierBench.start(origins, wasm, join(work, "two-tier"), secondPop);
    try {
      return await use(tiers);
    } finally {
      await tiers.stop();
    }
  };
  const row = (label: string, all: readonly TierMeasured[], started: number, one: number | null, planned: PlannedTierTotals, plannedOneTier: number): TierRow => ({
    label,
    oneTier: one,
    planned,
    plannedOneTier,
    measured: {
      requests: all.length,
      maxPop: Math.max(...all.map((m) => m.toShield)),
      popRequests: all.reduce((n, m) => n + m.toShield, 0),
      maxR2: Math.max(0, ...all.flatMap((m) => m.shieldExecutions)),
      r2Requests: all.reduce((n, m) => n + m.r2Requests, 0),
      exact: all.every((m) => m.attributedExactly),
      seconds: (performance.now() - started) / 1000,
    },
  });
  const player = async (tiers: TwoTierBench, at: "pop" | "pop-2"): Promise<TierMeasured[]> => {
    const all: TierMeasured[] = [];
    for (let next = 0; next < episode.size; ) {
      const m = expectThroughShield(await tiers.one(at, episode.path, { headers: { range: `bytes=${next}-` } }), 206, `player at ${next} (${at})`);
      all.push(m);
      const range = parseContentRange(String(m.headers["content-range"]))?.range;
      if (!range || range.start !== next) throw new Error(`player at ${next} (${at}): Content-Range ${String(m.headers["content-range"])} does not start there`);
      next = range.end + 1;
    }
    return all;
  };

  const rows: TierRow[] = [];
  const labels = { full: "cold 300 MB, full GET", open: "cold 300 MB, bytes=0-", player: "player, all of 120 MB by bytes=N- (cold)" };
  rows.push(
    await withTiers(false, async (tiers) => {
      const started = performance.now();
      const m = expectThroughShield(await tiers.one("pop", big.path), 200, "cold 300 MB GET at the POP");
      return row(labels.full, [m], started, oneTierOf(labels.full), plannedTieredFullGet(big.size), plannedFullGet(big.size).originRequests);
    }),
  );
  rows.push(
    await withTiers(false, async (tiers) => {
      const started = performance.now();
      const m = expectThroughShield(await tiers.one("pop", big.path, { headers: { range: "bytes=0-" } }), 206, "cold 300 MB bytes=0- at the POP");
      return row(labels.open, [m], started, oneTierOf(labels.open), plannedTieredOpenRange(big.size), plannedOpenRange(big.size).originRequests);
    }),
  );
  const plannedPlayers = plannedTieredPlayer(episode.size);
  const onePlayer = plannedPlayer(episode.size).originRequests;
  rows.push(
    ...(await withTiers(true, async (tiers) => {
      let started = performance.now();
      const first = row(labels.player, await player(tiers, "pop"), started, oneTierOf(labels.player), plannedPlayers.first, onePlayer);
      started = performance.now();
      // On one tier a second POP fills every segment from R2 again, as the first did.
      const second = row("the same player at a second POP, same shield", await player(tiers, "pop-2"), started, oneTierOf(labels.player), plannedPlayers.second, onePlayer);
      return [first, second];
    })),
  );
  const gb = 1024 * MiB;
  const gbPlayers = plannedTieredPlayer(gb);
  const gbOnePlayer = plannedPlayer(gb).originRequests;
  rows.push({ label: "cold 1 GiB, full GET", measured: null, oneTier: null, planned: plannedTieredFullGet(gb), plannedOneTier: plannedFullGet(gb).originRequests });
  rows.push({ label: "cold 1 GiB, bytes=0-", measured: null, oneTier: null, planned: plannedTieredOpenRange(gb), plannedOneTier: plannedOpenRange(gb).originRequests });
  rows.push({ label: "player, all of 1 GiB by bytes=N- (cold)", measured: null, oneTier: null, planned: gbPlayers.first, plannedOneTier: gbOnePlayer });
  rows.push({ label: "the same player at a second POP, same shield", measured: null, oneTier: null, planned: gbPlayers.second, plannedOneTier: gbOnePlayer });
  return rows;
}

/** Table 5, and what its columns mean. */
function printTiers(tiers: readonly TierRow[]): void {
  const rows5: string[][] = [
    ["5. origin requests per tier", "requests", "POP max/exec", "POP→shield", "shield max/exec", "shield→R2", "one tier: origin req", "planner: POP→shield (max)", "planner: R2 (max)", "seconds"],
  ];
  for (const r of tiers) {
    const m = r.measured;
    rows5.push([
      r.label,
      m ? String(m.requests) : `(${r.planned.requests})`,
      m ? String(m.maxPop) : "-",
      m ? String(m.popRequests) : "-",
      m ? `${m.exact ? "" : "≤"}${m.maxR2}` : "-",
      m ? String(m.r2Requests) : "-",
      r.oneTier !== null ? String(r.oneTier) : `(${r.plannedOneTier})`,
      `${r.planned.popRequests} (${r.planned.maxPop})`,
      `${r.planned.r2Requests} (${r.planned.maxR2})`,
      m ? m.seconds.toFixed(1) : "-",
    ]);
  }
  console.log(table(rows5));
  const tierDisagree = tiers.filter(
    (r) => r.measured && (r.measured.popRequests !== r.planned.popRequests || r.measured.maxPop !== r.planned.maxPop || r.measured.r2Requests !== r.planned.r2Requests || r.measured.maxR2 !== r.planned.maxR2),
  );
  const overLimit = tiers.filter((r) => r.measured && Math.max(r.measured.maxPop, r.measured.maxR2) > computeLimits.backendRequests);
  console.log(
    `   limit: ${computeLimits.backendRequests} backend requests per execution, each tier's execution its own. POP max/exec: the most one POP execution ` +
      "(one client request, waitUntil included) sent the shield; shield max/exec: the most R2 requests of one shield execution (one per POP→shield request), " +
      `"≤" where two ran at once and an R2 request could be either's. POP segments ${segmentSizeFor(true) / MiB} MiB, shield segments ${segmentSizeFor(false) / MiB} MiB. ` +
      "One tier: table 2's measured origin requests, in brackets the planner's; a second POP on one tier fills from R2 again. Viceroy has no HTTP cache: " +
      "a whole GET the shield has answered before reaches R2 again here, in production its readthrough cache answers. 1 GiB rows: the planner's (PlannedTiers)." +
      (overLimit.length ? ` OVER ${computeLimits.backendRequests}: ${overLimit.map((r) => r.label).join("; ")}.` : "") +
      (tierDisagree.length ? ` MEASURED AND PLANNED DIFFER for: ${tierDisagree.map((r) => r.label).join("; ")}.` : " Measured and planned agree where both exist.") +
      "\n",
  );
}

// ---- the run ----

async function mainRun(origins: LocalOrigins): Promise<void> {
  const started = Date.now();
  const edgeWasm = await buildEdge();
  const passWasm = buildPassThrough();

  console.log("1/5 per execution, cached downloads…");
  const edgeExec = await withEdge(origins, edgeWasm, "edge", true, perExecution);
  const passExec = await withEdge(origins, passWasm, "passthrough", false, perExecution);

  console.log("2/5 origin requests, cold…");
  const requests = await originRequestsOf(origins, edgeWasm);

  console.log("3/5 cold seeks, small asset under load…");
  const edgeSeeks = await seeks(origins, edgeWasm, true);
  const passSeeks = await seeks(origins, passWasm, false);
  const edgeLoad = await withEdge(origins, edgeWasm, "edge-load", true, (edge) => smallAssetLoad(edge, smallAsset, loadConnections, loadSeconds));
  const passLoad = await withEdge(origins, passWasm, "passthrough-load", false, (edge) => smallAssetLoad(edge, smallAsset, loadConnections, loadSeconds));

  console.log("4/5 client mix…");
  const mix = await withEdge(origins, edgeWasm, "edge-mix", true, (edge) => runClientMix(edge, episode));

  console.log("5/5 origin requests per tier, cold POP and shield…");
  const tiers = await perTier(origins, edgeWasm, requests);

  // ---- printing ----
  const header =
    `npm run bench${quick ? " --quick" : ""}: ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ` +
    `Viceroy ${viceroyVersion}, local R2; medians of ${runs} run(s) (table 1: ${rounds}); segments ${segmentBytes / MiB} MiB, answers from the store at most ${writtenBodyBytes / MiB} MiB`;
  console.log(`\n${header}\n`);

  const labels = [...downloads.map(([label]) => `cached ${label} full GET`), `cached bytes=N- at ${seekAt * 100} % of 120 MB (${writtenBodyBytes / MiB} MiB answer)`];
  const rows1: string[][] = [["1. per execution", "edge wall ms", "edge cpu_ms", "delivery", "bytes_out", "origin req", "client MB/s", "pass wall ms", "pass cpu ms", "pass MB/s"]];
  labels.forEach((label, i) => {
    const e = edgeExec[i]!;
    const p = passExec[i]!;
    rows1.push([label, ms(e.wall), cpuMs(e.cpu), e.delivery, String(e.bytesOut ?? "-"), String(e.originRequests), e.mbps.toFixed(0), ms(p.wall), cpuMs(p.cpu), p.mbps.toFixed(0)]);
  });
  const sizes = downloads.map(([, f]) => f.size / MiB);
  const slopeOf = (pick: (e: Execution) => number | null, of: Execution[]) => {
    const points = sizes.map((x, i) => [x, pick(of[i]!)] as const).filter((p): p is readonly [number, number] => p[1] !== null);
    return points.length >= 2 ? slope(points).toFixed(3) : "-";
  };
  rows1.push([
    "slope per MB, full GETs 1→120 MB",
    slopeOf((e) => e.wall, edgeExec),
    slopeOf((e) => e.cpu, edgeExec),
    "",
    "",
    "",
    "",
    slopeOf((e) => e.wall, passExec),
    slopeOf((e) => e.cpu, passExec),
    "",
  ]);
  console.log(table(rows1));
  console.log(
    `   limits: ${computeLimits.cpuMs} ms vCPU, ${computeLimits.runtimeMs / 1000} s per execution. A full GET over ${writtenBodyBytes / MiB} MiB is the origin's body ` +
      "on the host (delivery host): the guest ends when it has handed it over; Viceroy has no HTTP cache, so each one asks the origin. " +
      "cpu_ms is vCpuTime() when the line is written (host: at hand-over; written answers: when the body has ended); the pass-through's at hand-over. " +
      "Viceroy's vCPU is the wall time spent inside the guest's polls (viceroy-lib 0.22 execute.rs, CpuTimeTracking): " +
      "synchronous host calls and time the process waited for a core count too, so other load on the machine inflates it; " +
      `every execution also pays instantiation (/health alone: several ms). "!" marks a figure over ${computeLimits.cpuMs} ms.\n`,
  );

  const rows2: string[][] = [["2. origin requests", "requests", "origin req", "max per exec", "planner: origin req", "planner: max", "cpu_ms p50 / max", "max wall ms", "seconds"]];
  for (const r of requests) {
    const m = r.measured;
    rows2.push([
      r.label,
      m ? String(m.requests) : `(${r.planned.requests})`,
      m ? String(m.originRequests) : "-",
      m ? String(m.maxPerRequest) : "-",
      String(r.planned.originRequests),
      String(r.planned.maxPerRequest),
      m ? `${cpuMs(m.medianCpu)} / ${cpuMs(m.maxCpu)}` : "-",
      m ? ms(m.maxWall) : "-",
      m ? m.seconds.toFixed(1) : "-",
    ]);
  }
  console.log(table(rows2));
  const disagree = requests.filter((r) => r.measured && (r.measured.originRequests !== r.planned.originRequests || r.measured.maxPerRequest !== r.planned.maxPerRequest));
  console.log(
    `   limit: ${computeLimits.backendRequests} origin requests per execution. The 1 GiB rows are the pure planner's (scripts/bench/planner.ts: deliveryFor/planBody), ` +
      "not run: the local R2 holds objects up to 300 MB, and a 1 GiB fixture would be seeded into every test run's R2." +
      (disagree.length ? ` MEASURED AND PLANNED DIFFER for: ${disagree.map((r) => r.label).join("; ")}.` : " Measured and planned agree where both exist.") +
      "\n",
  );

  const rows3: string[][] = [["3. latency", "edge", "pass-through", "edge / pass"]];
  const ratio = (e: number, p: number) => `${(e / p).toFixed(2)}x`;
  downloads.forEach(([label], i) => {
    rows3.push([`TTFB ms, cold seek (bytes=N- at ${seekAt * 100} %), ${label}`, ms(edgeSeeks.cold[i]!), ms(passSeeks.cold[i]!), ratio(edgeSeeks.cold[i]!, passSeeks.cold[i]!)]);
  });
  rows3.push(["TTFB ms, the same seek again, 120 MB (edge: cached)", ms(edgeSeeks.again), ms(passSeeks.again), ratio(edgeSeeks.again, passSeeks.again)]);
  const loadRow = (label: string, pick: (l: LoadFigures) => number, digits: number) =>
    rows3.push([label, pick(edgeLoad).toFixed(digits), pick(passLoad).toFixed(digits), ratio(pick(edgeLoad), pick(passLoad))]);
  loadRow(`${smallAsset} p50 ms, ${loadConnections} connections, ${loadSeconds} s (edge: cached)`, (l) => l.p50Ms, 0);
  loadRow(`${smallAsset} p99 ms`, (l) => l.p99Ms, 0);
  loadRow(`${smallAsset} requests/s`, (l) => l.requestsPerSecond, 0);
  console.log(table(rows3));
  console.log(
    `   load: ${edgeLoad.requests} / ${passLoad.requests} requests, ${edgeLoad.failed} / ${passLoad.failed} failed or not 200 (edge / pass-through). ` +
      `TTFB: both read the first ${writtenBodyBytes / MiB} MiB; the pass-through asks the origin every time.\n`,
  );

  const rows4: string[][] = [["4. client mix, 120 MB episode", "clients", "requests", "lines", "logged MiB", "received MiB", "counted", "true", "deliveries"]];
  const size = episode.size;
  const dl = (bytes: number) => (bytes / size).toFixed(2);
  for (const r of mix) {
    rows4.push([r.kind, String(r.clients), String(r.requests), String(r.lines), (r.logged / MiB).toFixed(1), (r.received / MiB).toFixed(1), dl(r.logged), dl(r.received), r.deliveries]);
  }
  const sum = (pick: (r: (typeof mix)[number]) => number) => mix.reduce((n, r) => n + pick(r), 0);
  rows4.push(["all", String(sum((r) => r.clients)), String(sum((r) => r.requests)), String(sum((r) => r.lines)), (sum((r) => r.logged) / MiB).toFixed(1), (sum((r) => r.received) / MiB).toFixed(1), dl(sum((r) => r.logged)), dl(sum((r) => r.received)), ""]);
  console.log(table(rows4));
  console.log(
    "   counted = summed bytes of the episode lines the importer keeps (test/support/importer.ts) / size, as the app counts downloads; " +
      "true = summed bytes the clients received / size.\n",
  );

  printTiers(tiers);
  console.log(`bench took ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

// ---- --sweep: segment sizes ----

async function sweepRun(origins: LocalOrigins): Promise<void> {
  const sizes = args.segments.split(",").map((v) => Number(v) * MiB);
  const fractions = [0.13, 0.37, 0.61, 0.89];
  const built: [number, string][] = [];
  for (const size of sizes) built.push([size, await buildEdge(size)]);
  const rows: string[][] = [["segment", "TTFB cold seek (mean of 4)", "player 120 MB: origin req", "max per exec", "planner", "cpu_ms p50 / max"]];
  for (const [size, wasm] of built) {
    const ttfb: number[] = [];
    for (let r = 0; r < runs; r++) {
      await withEdge(origins, wasm, "edge-sweep", true, async (edge) => {
        const seen: number[] = [];
        for (const fraction of fractions) {
          seen.push(expect(await edge.one(episode.path, { headers: { range: openRangeAt(episode, fraction) } }), 206, "cold seek").firstByteMs);
        }
        ttfb.push(mean(seen));
      });
    }
    const player = await withEdge(origins, wasm, "edge-sweep", true, async (edge) => {
      const all: Measured[] = [];
      for (let next = 0; next < episode.size; ) {
        const m = expect(await edge.one(episode.path, { headers: { range: `bytes=${next}-` } }), 206, "player");
        all.push(m);
        next = parseContentRange(String(m.headers["content-range"]))!.range!.end + 1;
      }
      return all;
    });
    const planned = new PlannedObject(episode.size, size);
    let plannedRequests = 0;
    for (let next = 0; next < episode.size; ) {
      const a = planned.get({ range: `bytes=${next}-` });
      plannedRequests += a.originRequests;
      next = parseContentRange(a.contentRange)!.range!.end + 1;
    }
    const cpus = player.map(cpuOf).filter((c): c is number => c !== null);
    rows.push([
      `${size / MiB} MiB`,
      `${median(ttfb).toFixed(1)} ms`,
      String(player.reduce((n, m) => n + m.originRequests, 0)),
      String(Math.max(...player.map((m) => m.originRequests))),
      String(plannedRequests),
      cpus.length ? `${cpuMs(median(cpus))} / ${cpuMs(Math.max(...cpus))}` : "-",
    ]);
    console.log(rows[rows.length - 1]!.join("  |  "));
  }
  console.log(`\nsegment sizes (answers from the store stay at most ${writtenBodyBytes / MiB} MiB), median of ${runs} run(s):\n\n${table(rows)}\n`);
}

/** --tiers: table 5 alone (its one-tier column then the planner's, in brackets). */
async function tiersRun(origins: LocalOrigins): Promise<void> {
  const tiers = await perTier(origins, await buildEdge(), []);
  console.log(`\nnpm run bench -- --tiers: ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), Viceroy ${viceroyVersion}, local R2\n`);
  printTiers(tiers);
}

mkdirSync(work, { recursive: true });
const origins = await startLocalOrigins({ app: 0, assets: 0, feeds: 0, nightly: 0, control: 0 }, join(projectRoot, ".local", "r2"));
try {
  if (args.sweep) await sweepRun(origins);
  else if (args.tiers) await tiersRun(origins);
  else await mainRun(origins);
} finally {
  await origins.stop();
}
