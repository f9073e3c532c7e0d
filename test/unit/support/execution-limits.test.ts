// The limits check of the e2e harness can fail: synthetic Viceroy output, request-log lines and
// origin counts over each limit give a failure naming the request; under them, none.

import { describe, expect, it } from "vitest";
import type { BudgetEntry } from "../../../scripts/origins/front.js";
import { computeLimits } from "../../../src/config/limits.js";
import {
  checkExecutionLimits,
  durationMs,
  limitsFailure,
  loggedRequests,
  viceroyExecutions,
  type LimitsInput,
  type LoggedRequest,
} from "../../support/execution-limits.js";

const t0 = Date.parse("2026-05-09T07:40:00.000Z");

/** Viceroy's four INFO lines of one execution (viceroy-lib 0.22.0 src/execute.rs). */
function viceroyLines(id: number, method: string, uri: string, took: string | null, heap = "3.1 MiB"): string[] {
  const at = (ms: number) => new Date(t0 + ms).toISOString().replace("Z", "123Z");
  const lines = [`${at(0)}  INFO request{id=${id}}: handling request ${method} ${uri}`];
  lines.push(`${at(1)}  INFO request{id=${id}}: response status: 200`);
  if (took !== null) {
    lines.push(`${at(2)}  INFO request{id=${id}}: request completed using ${heap} of WebAssembly heap`);
    lines.push(`${at(3)}  INFO request{id=${id}}: request completed in ${took}`);
  }
  return lines;
}

function requestLine(id: string, url: string, cpu: number | null, host = "changelog.com", method = "GET"): string {
  return `requests :: ${JSON.stringify({ request_id: id, method, host, url, status: 200, cpu_ms: cpu })}`;
}

const entry = (count: number, origin = "assets", url = "/x"): BudgetEntry => ({
  count,
  origins: { [origin]: count },
  first: { origin, method: "GET", url },
  calls: Array.from({ length: count }, () => ({ origin, tier: "edge" as const, at: t0 })),
});

function input(overrides: Partial<LimitsInput> = {}): LimitsInput {
  const output = [
    ...viceroyLines(1, "GET", "http://changelog.com/", "12ms"),
    requestLine("id-1", "/", 4),
    ...viceroyLines(2, "GET", "http://cdn.changelog.com/uploads/a.mp3", "2s"),
    requestLine("id-2", "/uploads/a.mp3", 9, "cdn.changelog.com"),
  ].join("\n");
  return {
    file: "test/e2e/x.test.ts",
    limits: computeLimits,
    lines: loggedRequests(output, "requests"),
    executions: viceroyExecutions(output),
    budget: { "id-1": entry(1, "app", "/"), "id-2": entry(3) },
    cpu: "fail",
    writtenBodyBytes: 1024,
    now: t0 + 10_000,
    ...overrides,
  };
}

const line = (over: Partial<LoggedRequest>): LoggedRequest => ({
  requestId: "id-9",
  method: "GET",
  host: "cdn.changelog.com",
  url: "/uploads/big.mp3",
  status: 200,
  cpuMs: 3,
  bytesOut: 100,
  delivery: "complete",
  ...over,
});

describe("reading Viceroy's output", () => {
  it("reads Rust Duration figures", () => {
    expect(durationMs("850µs")).toBe(0.85);
    expect(durationMs("12ms")).toBe(12);
    expect(durationMs("3s")).toBe(3000);
    expect(durationMs("1.5s")).toBe(1500);
    expect(durationMs("0ns")).toBe(0);
    expect(durationMs("soon")).toBeNull();
  });

  it("gathers each execution's start, wall time and heap; ignores other lines and foreign completions", () => {
    const output = [
      "requests :: {}",
      "2026-05-09T07:39:59.000000Z  INFO request{id=0}: request completed in 5ms",
      ...viceroyLines(7, "PURGE", "http://cdn.changelog.com/a?b=1", "120s", "1.5 GiB"),
      ...viceroyLines(8, "GET", "/health", null),
      "2026-05-09T07:40:01.000000Z ERROR request{id=8}: WebAssembly trapped: oops",
    ].join("\n");
    expect(viceroyExecutions(output)).toEqual([
      { viceroyId: 7, startedAt: t0, method: "PURGE", uri: "http://cdn.changelog.com/a?b=1", wallMs: 120_000, heapBytes: 1.5 * 1024 ** 3 },
      { viceroyId: 8, startedAt: t0, method: "GET", uri: "/health", wallMs: null, heapBytes: null },
    ]);
  });

  it("reads the request-log lines' facts, cpu_ms null when absent", () => {
    const output = [requestLine("a", "/", 3), "requests :: not json", `requests :: {"request_id":"b","method":"GET","host":"h","url":"/u","status":404}`].join("\n");
    expect(loggedRequests(output, "requests")).toEqual([
      { requestId: "a", method: "GET", host: "changelog.com", url: "/", status: 200, cpuMs: 3, bytesOut: 0, delivery: "" },
      { requestId: "b", method: "GET", host: "h", url: "/u", status: 404, cpuMs: null, bytesOut: 0, delivery: "" },
    ]);
  });
});

describe("lines glued to the runtime's unterminated warning", () => {
  const warning = "Warning: body ReadableStream closed during body streaming. Exception: Error: the client went away";
  it("still reads the execution and the request-log line that follow it", () => {
    const [start, ...rest] = viceroyLines(3, "GET", "http://changelog.com/p", "40ms");
    const output = [`${warning}${start}`, ...rest.slice(0, -1), `${warning}${rest.at(-1)}`, `${warning}${requestLine("g", "/p", 5)}`].join("\n");
    expect(viceroyExecutions(output)).toMatchObject([{ viceroyId: 3, method: "GET", wallMs: 40 }]);
    expect(loggedRequests(output, "requests")).toMatchObject([{ requestId: "g", cpuMs: 5 }]);
  });
});

describe("checkExecutionLimits", () => {
  it("passes requests under every limit and sums them up in one line", () => {
    const result = checkExecutionLimits(input());
    expect(result.failures).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.max.backendRequests?.value).toBe(3);
    expect(result.max.wallMs?.value).toBe(2000);
    expect(result.max.cpuMs?.value).toBe(9);
    expect(result.summary).toContain("limits test/e2e/x.test.ts: 2 executions, 2 request lines");
    expect(result.summary).toContain("max origin requests 3/32 (GET cdn.changelog.com/uploads/a.mp3 (request id id-2, status 200))");
    expect(result.summary).toContain("max wall 2000 ms/120000");
    expect(result.summary).toContain("max cpu 9 ms/50");
  });

  it("fails a request with 33 origin requests, naming method, URL, request id and figure", () => {
    const calls = [...entry(30).calls, ...entry(3, "app").calls];
    const result = checkExecutionLimits(input({ budget: { "id-2": { count: 33, origins: { assets: 30, app: 3 }, first: { origin: "assets", method: "GET", url: "/x" }, calls } } }));
    expect(result.failures).toEqual([
      "GET cdn.changelog.com/uploads/a.mp3 (request id id-2, status 200): 33 origin requests (assets 30, app 3), over Fastly's 32 per execution",
    ]);
    expect(limitsFailure("test/e2e/x.test.ts", result.failures)).toMatch(/^test\/e2e\/x\.test\.ts broke Fastly's per-execution limits .* 1 time\(s\):\n  - GET cdn\.changelog\.com/);
  });

  it("allows 32 exactly", () => {
    expect(checkExecutionLimits(input({ budget: { "id-2": entry(32) } })).failures).toEqual([]);
  });

  it("names a request id without a request-log line by its first origin request", () => {
    const result = checkExecutionLimits(input({ budget: { ghost: entry(40, "feeds", "/shipit/feed") } }));
    expect(result.failures).toEqual([
      "request id ghost (no request-log line; first origin request GET feeds /shipit/feed): 40 origin requests (feeds 40), over Fastly's 32 per execution",
    ]);
  });

  it("counts requests sharing one client-chosen id together", () => {
    const lines = [line({ requestId: "same", url: "/a" }), line({ requestId: "same", url: "/b" })];
    const result = checkExecutionLimits(input({ lines, executions: [], budget: { same: entry(33) } }));
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatch(/^2 requests sharing request id same \(counted together\): GET cdn\.changelog\.com\/a .*33 origin requests/);
  });

  it("lets an allowance through with a warning, up to its figure only", () => {
    const allowances = [{ method: "GET", host: "cdn.changelog.com", url: "/uploads/big.mp3", upTo: 160, reason: "known" }];
    const lines = [line({})];
    const allowed = checkExecutionLimits(input({ lines, executions: [], budget: { "id-9": entry(148) }, allowances }));
    expect(allowed.failures).toEqual([]);
    expect(allowed.warnings).toEqual([
      "test/e2e/x.test.ts: GET cdn.changelog.com/uploads/big.mp3 (request id id-9, status 200): 148 origin requests (assets 148), over Fastly's 32 per execution; allowed up to 160 for now: known",
    ]);
    const over = checkExecutionLimits(input({ lines, executions: [], budget: { "id-9": entry(161) }, allowances }));
    expect(over.failures).toEqual([expect.stringMatching(/161 origin requests .* and over its allowance of 160$/)]);
    // Another URL in the same file gets no allowance.
    const other = checkExecutionLimits(input({ lines: [line({ url: "/uploads/other.mp3" })], executions: [], budget: { "id-9": entry(33) }, allowances }));
    expect(other.failures).toHaveLength(1);
  });

  it("says when an allowance was not needed, so it can go", () => {
    const allowances = [{ method: "GET", host: "cdn.changelog.com", url: "/uploads/big.mp3", upTo: 160, reason: "known" }];
    const result = checkExecutionLimits(input({ lines: [line({})], executions: [], budget: { "id-9": entry(5) }, allowances }));
    expect(result.failures).toEqual([]);
    expect(result.warnings).toEqual([
      "test/e2e/x.test.ts: the allowance for GET cdn.changelog.com/uploads/big.mp3 (up to 160 origin requests) was not needed: no such request went over 32; remove it once that holds on every run",
    ]);
  });

  it("cuts long URLs in its messages", () => {
    const url = `/${"a".repeat(8000)}`;
    const result = checkExecutionLimits(input({ lines: [line({ url, cpuMs: 60 })], executions: [], budget: {} }));
    expect(result.failures[0]!.length).toBeLessThan(300);
    expect(result.failures[0]).toContain("…(8001 chars)");
  });

  it("warns about origin requests that carried no request id", () => {
    const result = checkExecutionLimits(input({ budget: { "": entry(2) } }));
    expect(result.failures).toEqual([]);
    expect(result.warnings).toEqual([
      "test/e2e/x.test.ts: 2 origin requests that carried no X-Request-Id (assets 2; the first GET assets /x): not the edge's, or counted against no execution",
    ]);
  });

  it("fails an execution of 120 s or more, named with its request id", () => {
    const output = [...viceroyLines(5, "GET", "http://cdn.changelog.com/uploads/a.mp3", "120s"), requestLine("slow-1", "/uploads/a.mp3", 9, "cdn.changelog.com")].join("\n");
    const result = checkExecutionLimits(input({ executions: viceroyExecutions(output), lines: loggedRequests(output, "requests"), budget: {} }));
    expect(result.failures).toEqual([
      "GET http://cdn.changelog.com/uploads/a.mp3 (Viceroy request 5, request id slow-1, status 200): ran 120000 ms, not under Fastly's 120000 ms wall time",
    ]);
  });

  it("fails an execution still running past the limit, warns about one that is merely unfinished", () => {
    const executions = viceroyExecutions(viceroyLines(6, "GET", "http://changelog.com/slow", null).join("\n"));
    const late = checkExecutionLimits(input({ executions, lines: [], budget: {}, now: t0 + 121_000 }));
    expect(late.failures).toEqual(["GET http://changelog.com/slow (Viceroy request 6, no request-log line): still running after 121000 ms, over Fastly's 120000 ms wall time"]);
    const early = checkExecutionLimits(input({ executions, lines: [], budget: {}, now: t0 + 5_000 }));
    expect(early.failures).toEqual([]);
    expect(early.warnings).toEqual([expect.stringMatching(/not finished when the file ended \(5000 ms so far\)/)]);
  });

  it("fails a request-log line over 50 ms of vCPU, or only warns in warn mode", () => {
    const lines = [line({ cpuMs: 51 }), line({ requestId: "fine", cpuMs: 50 })];
    const failing = checkExecutionLimits(input({ lines, executions: [], budget: {} }));
    expect(failing.failures).toEqual(["GET cdn.changelog.com/uploads/big.mp3 (request id id-9, status 200): used 51 ms of vCPU, over Fastly's 50 ms"]);
    const warning = checkExecutionLimits(input({ lines, executions: [], budget: {}, cpu: "warn" }));
    expect(warning.failures).toEqual([]);
    expect(warning.warnings).toEqual([expect.stringContaining("used 51 ms of vCPU, over Fastly's 50 ms (a warning")]);
    expect(warning.max.cpuMs?.value).toBe(51);
  });

  it("fails a body the program wrote over writtenBodyBytes, whatever its delivery but host or handed-off", () => {
    const lines = [
      line({ requestId: "big", bytesOut: 1025 }),
      line({ requestId: "cut", bytesOut: 5000, delivery: "client-gone" }),
      line({ requestId: "at", bytesOut: 1024 }),
      line({ requestId: "host", bytesOut: 10_000_000, delivery: "host" }),
      line({ requestId: "ws", bytesOut: 10_000_000, delivery: "handed-off" }),
    ];
    const result = checkExecutionLimits(input({ lines, executions: [], budget: {} }));
    expect(result.failures).toEqual([
      "GET cdn.changelog.com/uploads/big.mp3 (request id big, status 200): wrote 1025 body bytes through the program (complete), over the 1024 an execution may (vCPU per byte, alive until the client has them)",
      "GET cdn.changelog.com/uploads/big.mp3 (request id cut, status 200): wrote 5000 body bytes through the program (client-gone), over the 1024 an execution may (vCPU per byte, alive until the client has them)",
    ]);
  });
});

describe("checkExecutionLimits on two tiers", () => {
  // One client request at the POP (id "c-1") made 20 requests to the shield; each of those was a
  // shield execution with the same id, which made its own origin requests.
  const shieldOut = (runs: { id: number; from: number; took: number }[]) =>
    runs
      .flatMap(({ id, from, took }) => {
        const at = (ms: number) => new Date(t0 + from + ms).toISOString().replace("Z", "123Z");
        return [
          `${at(0)}  INFO request{id=${id}}: handling request GET http://cdn.changelog.com/uploads/a.mp3`,
          `${at(took)}  INFO request{id=${id}}: request completed in ${took}ms`,
          requestLine("c-1", "/uploads/a.mp3", 4, "cdn.changelog.com"),
        ];
      })
      .join("\n");
  const popOut = [...viceroyLines(1, "GET", "http://cdn.changelog.com/uploads/a.mp3", "900ms"), requestLine("c-1", "/uploads/a.mp3", 9, "cdn.changelog.com")].join("\n");
  const calls = (tier: "edge" | "shield", origin: string, ats: number[]) => ats.map((at) => ({ origin, tier, at: t0 + at }));
  const budgetOf = (all: { origin: string; tier: "edge" | "shield"; at: number }[]): BudgetEntry => ({
    count: all.length,
    origins: Object.fromEntries([...new Set(all.map((c) => c.origin))].map((o) => [o, all.filter((c) => c.origin === o).length])),
    first: { origin: all[0]!.origin, method: "GET", url: "/x" },
    calls: all,
  });
  const twoTier = (shieldRuns: { id: number; from: number; took: number }[], all: { origin: string; tier: "edge" | "shield"; at: number }[]) => {
    const shield = shieldOut(shieldRuns);
    return input({
      lines: loggedRequests(popOut, "requests"),
      executions: viceroyExecutions(popOut),
      otherInstances: [{ name: "shield", tier: "shield", lines: loggedRequests(shield, "requests"), executions: viceroyExecutions(shield) }],
      budget: { "c-1": budgetOf(all) },
    });
  };

  it("counts a POP's requests to the shield and each shield execution's origin requests apart", () => {
    // 20 shield requests from the POP; 20 shield executions, 100 ms apart, 2 assets requests each:
    // 60 under one id, but no execution over 32.
    const runs = Array.from({ length: 20 }, (_, i) => ({ id: 10 + i, from: i * 100, took: 50 }));
    const result = checkExecutionLimits(
      twoTier(runs, [...calls("edge", "shield", runs.map((r) => r.from)), ...runs.flatMap((r) => calls("shield", "assets", [r.from + 10, r.from + 20]))]),
    );
    expect(result.failures).toEqual([]);
    expect(result.max.backendRequests).toEqual({ value: 20, who: "GET cdn.changelog.com/uploads/a.mp3 (request id c-1, status 200)" });
    expect(result.summary).toContain("21 executions, 21 request lines on 2 instances");
  });

  it("fails the POP execution over 32 requests, shield ones included", () => {
    const runs = [{ id: 10, from: 0, took: 50 }];
    const result = checkExecutionLimits(twoTier(runs, [...calls("edge", "shield", Array(30).fill(0)), ...calls("edge", "app", [1, 2, 3])]));
    expect(result.failures).toEqual(["GET cdn.changelog.com/uploads/a.mp3 (request id c-1, status 200): 33 origin requests (shield 30, app 3), over Fastly's 32 per execution"]);
  });

  it("fails the one shield execution that made 33 origin requests, named as the shield's", () => {
    const runs = [
      { id: 10, from: 0, took: 50 },
      { id: 11, from: 100, took: 400 },
    ];
    const result = checkExecutionLimits(twoTier(runs, [...calls("edge", "shield", [0, 100]), ...calls("shield", "assets", [10, ...Array.from({ length: 33 }, (_, i) => 110 + i * 10)])]));
    expect(result.failures).toEqual([
      "[shield] GET cdn.changelog.com/uploads/a.mp3 (request id c-1, status 200) (Viceroy request 11): 33 origin requests (assets 33), over Fastly's 32 per execution",
    ]);
  });

  it("counts a request that arrived while two shield executions of the id ran for both, and one during none on its own", () => {
    const runs = [
      { id: 10, from: 0, took: 1000 },
      { id: 11, from: 0, took: 1000 },
    ];
    const overlapping = checkExecutionLimits(twoTier(runs, [...calls("edge", "shield", [0, 0]), ...calls("shield", "assets", Array.from({ length: 33 }, (_, i) => 10 + i))]));
    expect(overlapping.failures).toHaveLength(2);
    const stray = checkExecutionLimits(twoTier(runs, [...calls("edge", "shield", [0, 0]), ...calls("shield", "assets", Array.from({ length: 33 }, (_, i) => 5000 + i))]));
    expect(stray.failures).toEqual([
      "shield-tier origin requests of request id c-1 during no shield execution of that id (counted together): 33 origin requests (assets 33), over Fastly's 32 per execution",
    ]);
  });

  it("pairs executions with lines of their own instance: wall time and written bytes are checked on both logs", () => {
    const shield = [
      "2026-05-09T07:40:00.000123Z  INFO request{id=4}: handling request GET http://cdn.changelog.com/uploads/a.mp3",
      "2026-05-09T07:42:00.000123Z  INFO request{id=4}: request completed in 120s",
      `requests :: ${JSON.stringify({ request_id: "c-1", method: "GET", host: "cdn.changelog.com", url: "/uploads/a.mp3", status: 206, cpu_ms: 3, bytes_out: 2048, delivery: "segments", tier: "shield" })}`,
    ].join("\n");
    const result = checkExecutionLimits(
      input({
        lines: loggedRequests(popOut, "requests"),
        executions: viceroyExecutions(popOut),
        otherInstances: [{ name: "shield", tier: "shield", lines: loggedRequests(shield, "requests"), executions: viceroyExecutions(shield) }],
        budget: {},
      }),
    );
    expect(result.failures).toEqual([
      "[shield] GET http://cdn.changelog.com/uploads/a.mp3 (Viceroy request 4, request id c-1, status 206): ran 120000 ms, not under Fastly's 120000 ms wall time",
      "[shield] GET cdn.changelog.com/uploads/a.mp3 (request id c-1, status 206): wrote 2048 body bytes through the program (segments), over the 1024 an execution may (vCPU per byte, alive until the client has them)",
    ]);
  });
});
