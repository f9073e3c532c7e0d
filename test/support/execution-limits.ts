// Fastly's per-execution limits (src/config/limits.ts) checked on what an e2e test file made the
// edge do under Viceroy, which enforces none of them: origin requests per edge request id (the
// local origins' ledger, `GET /budget`), each execution's wall time (Viceroy's own "request
// completed in" line), the vCPU milliseconds in each request-log line (`cpu_ms`) and the body
// bytes the program wrote itself for it (`bytes_out` unless `delivery` is `host`). Pure: the
// e2e harness (test/e2e/support/limits.ts) gathers the figures, this decides and words them.
//
// On two tiers (a POP, its shield, maybe a second POP) every instance has its own log, and one
// request id spans a POP execution and the shield executions it caused (the POP's id is passed
// on). Those are separate executions with a limit each, so origin requests are split: by the
// tier the ledger saw them come from (a POP's requests to the shield are the POP's), then, in
// the shield tier, by which shield execution of that id was running when each arrived.

import type { BudgetCall, BudgetEntry, CallerTier } from "../../scripts/origins/front.js";
import { endpointLines } from "./viceroy-log.js";

/** One execution of the program as Viceroy logged it (`executionLogFilter`, scripts/local-edge.ts). */
export interface Execution {
  /** Viceroy's own counter, the `id` of its `request{id=…}` span. */
  readonly viceroyId: number;
  /** Epoch ms of the "handling request" line, NaN if its timestamp could not be read. */
  readonly startedAt: number;
  readonly method: string;
  /** The URI as Viceroy printed it (`http://<host><path>` or a bare path). */
  readonly uri: string;
  /** Guest wall time, null while the execution has not finished. */
  readonly wallMs: number | null;
  /** WebAssembly heap the execution grew to, null while it has not finished. */
  readonly heapBytes: number | null;
}

/** The facts of one request-log line the checks use. */
export interface LoggedRequest {
  readonly requestId: string;
  readonly method: string;
  readonly host: string;
  /** Path and query as received. */
  readonly url: string;
  readonly status: number;
  readonly cpuMs: number | null;
  /** `bytes_out`, and how the body left (`delivery`): `host` bodies never pass the program. */
  readonly bytesOut: number;
  readonly delivery: string;
}

export interface CheckedLimits {
  readonly backendRequests: number;
  readonly runtimeMs: number;
  readonly cpuMs: number;
}

/**
 * A known request allowed more origin requests than the limit until its fix lands. Matched on
 * the request-log line of the request id: method, host and URL exactly.
 */
export interface BackendAllowance {
  readonly method: string;
  readonly host: string;
  readonly url: string;
  /** Origin requests it may make; more still fails. */
  readonly upTo: number;
  /** Why, and what removes the need (the fix it waits for). */
  readonly reason: string;
}

/** The output of one more instance of a two-tier run: the shield, or a second POP. */
export interface InstanceLog {
  /** How the messages name it ("shield", "pop-2"). */
  readonly name: string;
  /** The ledger's tier for the origin requests it makes (a second POP is "edge" like the first). */
  readonly tier: CallerTier;
  readonly lines: readonly LoggedRequest[];
  readonly executions: readonly Execution[];
}

export interface LimitsInput {
  /** The test file, for the messages. */
  readonly file: string;
  readonly limits: CheckedLimits;
  /** Request-log lines written during the file (by the instance clients reach: the POP on two tiers). */
  readonly lines: readonly LoggedRequest[];
  /** Executions Viceroy started during the file (the same instance). */
  readonly executions: readonly Execution[];
  /** Two tiers: the other instances' output (shield, second POP), each checked the same way. */
  readonly otherInstances?: readonly InstanceLog[];
  /** Origin requests by request id made during the file (`GET /budget?since=`). */
  readonly budget: Readonly<Record<string, BudgetEntry>>;
  /** This file's allowances (none for almost every file). */
  readonly allowances?: readonly BackendAllowance[];
  /** `fail`: a cpu_ms over the limit fails the file; `warn`: it is printed only. */
  readonly cpu: "fail" | "warn";
  /**
   * The most body bytes one execution may write through JavaScript (src/cache/asset-delivery.ts
   * `writtenBodyBytes`): the design's bound on the vCPU and wall time a body costs, since Viceroy's
   * own vCPU figure cannot be trusted to fail on. A line over it fails the file.
   */
  readonly writtenBodyBytes: number;
  /** Epoch ms now, to judge executions that have not finished. */
  readonly now: number;
}

export interface Figure {
  readonly value: number;
  /** Which request: method, URL, request id. */
  readonly who: string;
}

export interface LimitsResult {
  /** Each breaks a limit: the file fails with them. */
  readonly failures: readonly string[];
  /** Printed, the file still passes (CPU in `warn` mode, allowances used, unknowns). */
  readonly warnings: readonly string[];
  readonly max: {
    readonly backendRequests: Figure | null;
    readonly wallMs: Figure | null;
    readonly cpuMs: Figure | null;
    readonly heapBytes: Figure | null;
  };
  /** One line: the file's maximum figures against the limits. */
  readonly summary: string;
}

// --- reading Viceroy's output ---------------------------------------------------------------

// tracing-subscriber's full format without ANSI or target, as Viceroy 0.22 installs it:
// `2026-05-09T07:40:00.123456Z  INFO request{id=3}: request completed in 12ms`.
const spanned = /^(\S+)\s+INFO\s+request\{id=(\d+)\}(?::\w+(?:\{[^}]*\})?)*: (.*)$/;
const handling = /^handling request (\S+) (\S+)$/;
const completedIn = /^(?:request|guest) completed in (\S+)$/;
const completedUsing = /^(?:request|guest) completed using ([\d.]+) (B|KiB|MiB|GiB|TiB) of WebAssembly heap$/;

/** Milliseconds of a Rust `Duration` printed with `{:.0?}` ("850µs", "12ms", "3s"), or null. */
export function durationMs(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ns|µs|us|ms|s)$/.exec(text);
  if (!m) return null;
  const scale = { ns: 1e-6, µs: 1e-3, us: 1e-3, ms: 1, s: 1000 }[m[2] as "ns" | "µs" | "us" | "ms" | "s"];
  return Number(m[1]) * scale;
}

const byteUnits = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 } as const;

/** Every execution in a stretch of Viceroy's output, in the order they started. */
export function viceroyExecutions(output: string): Execution[] {
  const byId = new Map<number, { viceroyId: number; startedAt: number; method: string; uri: string; wallMs: number | null; heapBytes: number | null }>();
  for (const raw of output.split("\n")) {
    // A line glued to a runtime warning printed without a line break starts at its timestamp.
    const at = raw.search(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    const m = spanned.exec((at > 0 ? raw.slice(at) : raw).trimEnd());
    if (!m) continue;
    const [, time, id, message] = m as unknown as [string, string, string, string];
    const viceroyId = Number(id);
    const start = handling.exec(message);
    if (start) {
      byId.set(viceroyId, { viceroyId, startedAt: Date.parse(time), method: start[1]!, uri: start[2]!, wallMs: null, heapBytes: null });
      continue;
    }
    // A completion without its start began before this stretch of output: not ours to judge.
    const execution = byId.get(viceroyId);
    if (!execution) continue;
    const done = completedIn.exec(message);
    if (done) execution.wallMs = durationMs(done[1]!) ?? Number.NaN;
    const heap = completedUsing.exec(message);
    if (heap) execution.heapBytes = Number(heap[1]) * byteUnits[heap[2] as keyof typeof byteUnits];
  }
  return [...byId.values()];
}

/** The request-log lines (endpoint `endpoint`) in a stretch of Viceroy's output. */
export function loggedRequests(output: string, endpoint: string): LoggedRequest[] {
  const requests: LoggedRequest[] = [];
  for (const { message } of endpointLines(output, new Set([endpoint]))) {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(message) as Record<string, unknown>;
    } catch {
      continue;
    }
    requests.push({
      requestId: String(line.request_id ?? ""),
      method: String(line.method ?? ""),
      host: String(line.host ?? ""),
      url: String(line.url ?? ""),
      status: Number(line.status),
      cpuMs: typeof line.cpu_ms === "number" ? line.cpu_ms : null,
      bytesOut: Number(line.bytes_out ?? 0),
      delivery: String(line.delivery ?? ""),
    });
  }
  return requests;
}

// --- deciding -------------------------------------------------------------------------------

/** A URL cut to a readable length for the messages (hostile tests send 8 KB ones). */
export function shortUrl(url: string, max = 120): string {
  return url.length <= max ? url : `${url.slice(0, max)}…(${url.length} chars)`;
}

const name = (r: LoggedRequest) => `${r.method} ${r.host}${shortUrl(r.url)} (request id ${r.requestId}, status ${r.status})`;

/** `http://host:port/path?q` or `/path?q` as Viceroy prints it, split like a request-log line. */
function uriParts(uri: string): { host: string | null; url: string } {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)(.*)$/i.exec(uri);
  if (!m) return { host: null, url: uri };
  return { host: m[1]!.replace(/:\d*$/, "").toLowerCase(), url: m[2] || "/" };
}

/**
 * Pairs each execution with the request-log line it wrote, by method, host and URL in order (an
 * execution carries no request id in Viceroy's output); null where none matches.
 */
export function pairExecutions(executions: readonly Execution[], lines: readonly LoggedRequest[]): Map<Execution, LoggedRequest | null> {
  const taken = new Set<LoggedRequest>();
  const pairs = new Map<Execution, LoggedRequest | null>();
  for (const x of executions) {
    const { host, url } = uriParts(x.uri);
    const line = lines.find((l) => !taken.has(l) && l.method === x.method && l.url === url && (host === null || l.host === host)) ?? null;
    if (line) taken.add(line);
    pairs.set(x, line);
  }
  return pairs;
}

function allowanceFor(lines: readonly LoggedRequest[], allowances: readonly BackendAllowance[]): BackendAllowance | null {
  for (const a of allowances) {
    if (lines.some((l) => l.method === a.method && l.host === a.host && l.url === a.url)) return a;
  }
  return null;
}

function larger(current: Figure | null, value: number, who: () => string): Figure | null {
  return current === null || value > current.value ? { value, who: who() } : current;
}

const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

/** An instance's log with the name its messages carry ("" for the instance clients reach). */
interface NamedLog {
  readonly prefix: string;
  readonly tier: CallerTier;
  readonly lines: readonly LoggedRequest[];
  readonly executions: readonly Execution[];
}

/** Origin requests counted as one execution's, for the 32-per-execution check. */
interface BackendGroup {
  readonly who: string;
  readonly count: number;
  /** "assets 3, app 1" */
  readonly origins: string;
  /** The request-log lines of the execution(s), for allowances. */
  readonly lines: readonly LoggedRequest[];
}

/**
 * How far an origin request's arrival (the ledger's Date.now(), whole ms) may lie outside the
 * Viceroy execution that sent it ("handling request" is logged before the guest runs, its wall
 * time is printed after; µs timestamps against ms ones).
 */
const windowSlackMs = 5;

function originsText(calls: readonly BudgetCall[]): string {
  const by: Record<string, number> = {};
  for (const c of calls) by[c.origin] = (by[c.origin] ?? 0) + 1;
  return Object.entries(by).map(([o, n]) => `${o} ${n}`).join(", ");
}

/**
 * Splits one request id's origin requests into the executions that made them: the "edge" tier's
 * (one POP execution, or several requests sharing a client-chosen id, counted together as on one
 * tier) and, in the "shield" tier, each shield execution paired with a request-log line of that
 * id, by the time each request arrived. A request that falls in several such executions (the
 * POP asked the shield twice at once) counts for each of them: a bound, never an undercount; one
 * in none counts in a group of its own.
 */
function backendGroups(id: string, entry: BudgetEntry, logs: readonly NamedLog[], now: number): BackendGroup[] {
  const calls: readonly BudgetCall[] = entry.calls ?? [];
  const groups: BackendGroup[] = [];
  const edgeCalls = calls.filter((c) => c.tier === "edge");
  const edgeLines = logs.filter((l) => l.tier === "edge").flatMap((l) => l.lines.filter((r) => r.requestId === id).map((r) => ({ r, prefix: l.prefix })));
  const nameLine = ({ r, prefix }: { r: LoggedRequest; prefix: string }) => `${prefix}${name(r)}`;
  if (edgeCalls.length > 0 || calls.length === 0) {
    const count = calls.length === 0 ? entry.count : edgeCalls.length;
    const origins = calls.length === 0 ? Object.entries(entry.origins).map(([o, n]) => `${o} ${n}`).join(", ") : originsText(edgeCalls);
    const who =
      edgeLines.length === 0
        ? `request id ${id} (no request-log line; first origin request ${entry.first.method} ${entry.first.origin} ${shortUrl(entry.first.url)})`
        : edgeLines.length === 1
          ? nameLine(edgeLines[0]!)
          : `${edgeLines.length} requests sharing request id ${id} (counted together): ${edgeLines.map(nameLine).join("; ")}`;
    groups.push({ who, count, origins, lines: edgeLines.map((l) => l.r) });
  }
  const shieldCalls = calls.filter((c) => c.tier === "shield");
  if (shieldCalls.length === 0) return groups;
  const runs: { who: string; line: LoggedRequest; from: number; to: number; calls: BudgetCall[] }[] = [];
  for (const log of logs.filter((l) => l.tier === "shield")) {
    for (const [x, line] of pairExecutions(log.executions, log.lines)) {
      if (!line || line.requestId !== id) continue;
      const to = x.wallMs === null || Number.isNaN(x.wallMs) ? now : x.startedAt + x.wallMs;
      runs.push({ who: `${log.prefix}${name(line)} (Viceroy request ${x.viceroyId})`, line, from: x.startedAt - windowSlackMs, to: to + windowSlackMs, calls: [] });
    }
  }
  const unmatched: BudgetCall[] = [];
  for (const c of shieldCalls) {
    const during = runs.filter((r) => c.at >= r.from && c.at <= r.to);
    for (const r of during) r.calls.push(c);
    if (during.length === 0) unmatched.push(c);
  }
  for (const r of runs) {
    if (r.calls.length > 0) groups.push({ who: r.who, count: r.calls.length, origins: originsText(r.calls), lines: [r.line] });
  }
  if (unmatched.length > 0) {
    groups.push({
      who: `shield-tier origin requests of request id ${id} during no shield execution of that id (counted together)`,
      count: unmatched.length,
      origins: originsText(unmatched),
      lines: [],
    });
  }
  return groups;
}

export function checkExecutionLimits(input: LimitsInput): LimitsResult {
  const { limits, budget, file } = input;
  const allowances = input.allowances ?? [];
  const failures: string[] = [];
  const warnings: string[] = [];
  let maxBackend: Figure | null = null;
  let maxWall: Figure | null = null;
  let maxCpu: Figure | null = null;
  let maxHeap: Figure | null = null;
  const logs: NamedLog[] = [
    { prefix: "", tier: "edge", lines: input.lines, executions: input.executions },
    ...(input.otherInstances ?? []).map((o) => ({ prefix: `[${o.name}] `, tier: o.tier, lines: o.lines, executions: o.executions })),
  ];

  const used = new Set<BackendAllowance>();

  // 1. Origin requests per execution: per request id, split by tier (see backendGroups).
  for (const [id, entry] of Object.entries(budget)) {
    if (id === "") {
      // A test's own setup (a PUT straight to an origin) sends none; an edge request always does.
      const origins = Object.entries(entry.origins).map(([o, n]) => `${o} ${n}`).join(", ");
      const first = `${entry.first.method} ${entry.first.origin} ${shortUrl(entry.first.url)}`;
      warnings.push(`${file}: ${entry.count} origin requests that carried no X-Request-Id (${origins}; the first ${first}): not the edge's, or counted against no execution`);
      continue;
    }
    for (const group of backendGroups(id, entry, logs, input.now)) {
      maxBackend = larger(maxBackend, group.count, () => group.who);
      if (group.count <= limits.backendRequests) continue;
      const allowed = allowanceFor(group.lines, allowances);
      if (allowed) used.add(allowed);
      const figure = `${group.count} origin requests (${group.origins}), over Fastly's ${limits.backendRequests} per execution`;
      if (allowed && group.count <= allowed.upTo) {
        warnings.push(`${file}: ${group.who}: ${figure}; allowed up to ${allowed.upTo} for now: ${allowed.reason}`);
      } else if (allowed) {
        failures.push(`${group.who}: ${figure}, and over its allowance of ${allowed.upTo}`);
      } else {
        failures.push(`${group.who}: ${figure}`);
      }
    }
  }

  for (const a of allowances) {
    if (used.has(a)) continue;
    warnings.push(
      `${file}: the allowance for ${a.method} ${a.host}${shortUrl(a.url)} (up to ${a.upTo} origin requests) was not needed: ` +
        `no such request went over ${limits.backendRequests}; remove it once that holds on every run`,
    );
  }

  for (const log of logs) {
    // 2. Wall time of each execution, paired with a line of its own instance only: the POP and
    // the shield log the same method, host and URL for one client request.
    const pairs = pairExecutions(log.executions, log.lines);
    for (const [x, line] of pairs) {
      const who = () =>
        `${log.prefix}${x.method} ${shortUrl(x.uri)} (Viceroy request ${x.viceroyId}${line ? `, request id ${line.requestId}, status ${line.status}` : ", no request-log line"})`;
      if (x.heapBytes !== null) maxHeap = larger(maxHeap, x.heapBytes, who);
      if (x.wallMs === null) {
        const running = input.now - x.startedAt;
        if (running >= limits.runtimeMs) {
          failures.push(`${who()}: still running after ${Math.round(running)} ms, over Fastly's ${limits.runtimeMs} ms wall time`);
        } else {
          warnings.push(`${file}: ${who()}: not finished when the file ended (${Number.isNaN(running) ? "?" : Math.round(running)} ms so far); its wall time is unchecked`);
        }
        continue;
      }
      if (Number.isNaN(x.wallMs)) {
        warnings.push(`${file}: ${who()}: Viceroy's wall time could not be read`);
        continue;
      }
      maxWall = larger(maxWall, x.wallMs, who);
      if (x.wallMs >= limits.runtimeMs) {
        failures.push(`${who()}: ran ${Math.round(x.wallMs)} ms, not under Fastly's ${limits.runtimeMs} ms wall time`);
      }
    }

    // 3. vCPU time of each request-log line.
    for (const l of log.lines) {
      if (l.cpuMs === null) continue;
      maxCpu = larger(maxCpu, l.cpuMs, () => `${log.prefix}${name(l)}`);
      if (l.cpuMs <= limits.cpuMs) continue;
      const message = `${log.prefix}${name(l)}: used ${l.cpuMs} ms of vCPU, over Fastly's ${limits.cpuMs} ms`;
      if (input.cpu === "fail") failures.push(message);
      else warnings.push(`${file}: ${message} (a warning: Viceroy's CPU figures are not production's)`);
    }

    // 4. Body bytes written through the program: what its vCPU and wall time grow with.
    for (const l of log.lines) {
      if (l.delivery === "host" || l.delivery === "handed-off") continue;
      if (l.bytesOut <= input.writtenBodyBytes) continue;
      failures.push(
        `${log.prefix}${name(l)}: wrote ${l.bytesOut} body bytes through the program (${l.delivery}), over the ${input.writtenBodyBytes} an execution may (vCPU per byte, alive until the client has them)`,
      );
    }
  }

  const executions = logs.reduce((n, l) => n + l.executions.length, 0);
  const lineCount = logs.reduce((n, l) => n + l.lines.length, 0);
  const fmt = (f: Figure | null, unit: string, limit?: number) =>
    f === null ? "none" : `${Math.round(f.value)}${unit}${limit === undefined ? "" : `/${limit}`} (${f.who})`;
  const summary =
    `limits ${file}: ${executions} executions, ${lineCount} request lines${logs.length > 1 ? ` on ${logs.length} instances` : ""}; ` +
    `max origin requests ${fmt(maxBackend, "", limits.backendRequests)}; ` +
    `max wall ${fmt(maxWall, " ms", limits.runtimeMs)}; ` +
    `max cpu ${fmt(maxCpu, " ms", limits.cpuMs)}; ` +
    `max heap ${maxHeap === null ? "none" : mib(maxHeap.value)}`;
  return { failures, warnings, max: { backendRequests: maxBackend, wallMs: maxWall, cpuMs: maxCpu, heapBytes: maxHeap }, summary };
}

/** The error a failing file reports: every broken limit, one per line. */
export function limitsFailure(file: string, failures: readonly string[]): string {
  return `${file} broke Fastly's per-execution limits (src/config/limits.ts) ${failures.length} time(s):\n${failures.map((f) => `  - ${f}`).join("\n")}`;
}
