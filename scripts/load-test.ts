// `npm run test:load`: a bounded load test on loopback. Starts the local origins and the built
// edge under Viceroy on free ports (as the end-to-end tests do), sends a weighted mix of requests
// (cached assets, mp3 ranges, feeds, pages, redirects, edge answers) with autocannon at 32
// concurrent connections, then prints what came back and checks that the request log has exactly
// one line for every response: the line with the response's X-Request-Id, saying the same status.
// Exits non-zero on any client error or timeout, any 5xx of the edge's own, any answer other than
// the one its row expects, or any log line missing, doubled or without a response.
//
//   npm run test:load                     # 4,000 requests
//   npm run test:load -- --requests 10000
//
// A benchmark-like run, not part of `npm test`: figures depend on the machine (docs/reliability.md).

import autocannon from "autocannon";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { requestEndpoint } from "../src/config/log-endpoints.js";
import { mp3s } from "./origins/fixtures.js";
import { startLocalOrigins } from "./origins/local-origins.js";
import { projectRoot } from "./origins/r2.js";
import { freePort, startLocalEdge } from "./local-edge.js";

const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "4000" },
    connections: { type: "string", default: "32" },
    seed: { type: "string", default: "7" },
  },
});
const total = Number(args.requests);
const connections = Number(args.connections);
/** The whole run, start to last log line, must fit in this; a request waits at most 20 s. */
const deadlineMs = Math.max(120_000, total * 60);
const requestTimeoutS = 20;

interface Row {
  readonly kind: string;
  readonly weight: number;
  readonly host: string;
  /** The path for the n-th request of this row (some rows vary it, so some requests miss). */
  readonly path: (n: number) => string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** The statuses this row may answer with. */
  readonly expect: readonly number[];
  /** For ranges: the Content-Range the answer must carry. */
  readonly contentRange?: string;
}

const app = "changelog.com";
const cdn = "cdn.changelog.com";
const fixed = (path: string) => () => path;

/** The mix: weights are relative; each request picks a row at random (seeded). */
const table: readonly Row[] = [
  { kind: "asset css", weight: 10, host: cdn, path: fixed("/static/css/app.css"), expect: [200] },
  { kind: "asset svg", weight: 6, host: cdn, path: fixed("/static/images/logo.svg"), expect: [200] },
  { kind: "asset png 48 KB", weight: 4, host: cdn, path: fixed("/uploads/covers/the-changelog-original.png"), expect: [200] },
  { kind: "asset missing", weight: 1, host: cdn, path: (n) => `/static/missing-${n % 5}.css`, expect: [404] },
  { kind: "mp3 first 1 KB", weight: 8, host: cdn, path: fixed(mp3s.small.path), headers: { range: "bytes=0-1023" }, expect: [206], contentRange: `bytes 0-1023/${mp3s.small.size}` },
  { kind: "mp3 64 KB middle", weight: 6, host: cdn, path: fixed(mp3s.oneMB.path), headers: { range: "bytes=500000-565535" }, expect: [206], contentRange: `bytes 500000-565535/${mp3s.oneMB.size}` },
  { kind: "mp3 16 KB of 30 MB", weight: 4, host: cdn, path: fixed(mp3s.thirtyMB.path), headers: { range: "bytes=10000000-10016383" }, expect: [206], contentRange: `bytes 10000000-10016383/${mp3s.thirtyMB.size}` },
  { kind: "mp3 last 1 KB", weight: 3, host: cdn, path: fixed(mp3s.oneMB.path), headers: { range: "bytes=-1024" }, expect: [206], contentRange: `bytes ${mp3s.oneMB.size - 1024}-${mp3s.oneMB.size - 1}/${mp3s.oneMB.size}` },
  { kind: "mp3 tail from an offset", weight: 2, host: cdn, path: fixed(mp3s.small.path), headers: { range: "bytes=199000-" }, expect: [206], contentRange: `bytes 199000-${mp3s.small.size - 1}/${mp3s.small.size}` },
  { kind: "feed", weight: 8, host: app, path: fixed("/podcast/feed"), expect: [200] },
  { kind: "feed, cache-buster", weight: 3, host: app, path: (n) => `/podcast/feed?cb=${n}`, expect: [200] },
  { kind: "feed, slash (301)", weight: 1, host: app, path: (n) => `/podcast/feed/?cb=${n}`, expect: [301] },
  { kind: "feed, other shows", weight: 4, host: app, path: (n) => ["/gotime/feed", "/jsparty/feed", "/feeds/podcast", "/master/feed"][n % 4]!, expect: [200] },
  { kind: "page, cached", weight: 6, host: app, path: (n) => `/podcast/${600 + (n % 20)}`, expect: [200] },
  { kind: "page, private", weight: 4, host: app, path: fixed("/"), expect: [200] },
  { kind: "page, signed in", weight: 2, host: app, path: fixed("/"), headers: { cookie: "_changelog_user=load" }, expect: [200] },
  { kind: "page missing", weight: 1, host: app, path: (n) => `/no/such/page/${n % 5}`, expect: [404] },
  { kind: "nightly", weight: 3, host: "nightly.changelog.com", path: fixed("/"), expect: [200] },
  { kind: "redirect /rss", weight: 2, host: app, path: fixed("/rss"), expect: [302] },
  { kind: "redirect www", weight: 2, host: `www.${app}`, path: (n) => `/podcast/${n % 50}`, expect: [301] },
  { kind: "redirect news mp3", weight: 1, host: cdn, path: fixed("/uploads/podcast/news-2022-06-27/the-changelog-news-2022-06-27.mp3"), expect: [308] },
  { kind: "health", weight: 3, host: app, path: fixed("/health"), expect: [204] },
  { kind: "embed.js", weight: 2, host: app, path: fixed("/embed.js"), expect: [200] },
  { kind: "refused POST on assets", weight: 1, host: cdn, path: fixed("/static/css/app.css"), method: "POST", expect: [405] },
];

/** mulberry32: a small seeded generator, so two runs send the same mix. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const next = random(Number(args.seed));
const totalWeight = table.reduce((sum, row) => sum + row.weight, 0);
const picked = new Map<string, number>();

function pick(): Row {
  let at = next() * totalWeight;
  for (const row of table) {
    at -= row.weight;
    if (at < 0) return row;
  }
  return table[table.length - 1]!;
}


/** What the run saw, per row and overall. */
interface Seen {
  count: number;
  statuses: Map<number, number>;
  wrong: number;
}

const byKind = new Map<string, Seen>(table.map((row) => [row.kind, { count: 0, statuses: new Map(), wrong: 0 }]));
/** X-Request-Id of every response → its status. */
const responses = new Map<string, number>();
let responsesWithoutId = 0;
let edge5xx = 0;
let origin5xx = 0;
const wrongExamples: string[] = [];

const header = (headers: Record<string, string | string[]>, name: string): string | undefined => {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};

/** A 5xx the edge wrote itself (no origin answer behind it), told by Cache-Status and body. */
function isEdgeOwn5xx(status: number, body: string, headers: Record<string, string | string[]>): boolean {
  if (status < 500) return false;
  const cacheStatus = header(headers, "cache-status") ?? "";
  return /origin=edge|origin-failed|edge-error/.test(cacheStatus) || /^The (?:edge|\w+ origin) /.test(body);
}

function record(row: Row, status: number, body: string, headers: Record<string, string | string[]>): void {
  const seen = byKind.get(row.kind)!;
  seen.count += 1;
  seen.statuses.set(status, (seen.statuses.get(status) ?? 0) + 1);
  const id = header(headers, "x-request-id");
  if (id) responses.set(id, status);
  else responsesWithoutId += 1;
  if (status >= 500) {
    if (isEdgeOwn5xx(status, body, headers)) edge5xx += 1;
    else origin5xx += 1;
  }
  const range = header(headers, "content-range");
  const wrong = !row.expect.includes(status) || (row.contentRange !== undefined && range !== row.contentRange);
  if (wrong) {
    seen.wrong += 1;
    if (wrongExamples.length < 10) wrongExamples.push(`${row.kind}: ${status} ${range ?? ""} ${body.slice(0, 80).replace(/\s+/g, " ")}`);
  }
}

/** Request-log lines, split from Viceroy's stdout as it arrives. */
const logLines: string[] = [];
let partial = "";
function onStdout(chunk: Buffer): void {
  const text = partial + chunk.toString("utf8");
  const lines = text.split("\n");
  partial = lines.pop() ?? "";
  const prefix = `${requestEndpoint.name} :: `;
  for (const line of lines) if (line.startsWith(prefix)) logLines.push(line.slice(prefix.length));
}

const pad = (text: string | number, width: number) => String(text).padEnd(width);
const padLeft = (text: string | number, width: number) => String(text).padStart(width);
const statusList = (statuses: Map<number, number>) =>
  [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(" ");

async function main(): Promise<number> {
  if (!existsSync(join(projectRoot, "bin", "main.wasm"))) throw new Error("bin/main.wasm is missing: npm run test:load builds it");
  const dir = join(projectRoot, ".local", "load");
  mkdirSync(dir, { recursive: true });
  console.log(`starting local origins and the edge (first run seeds .local/r2-load)…`);
  const origins = await startLocalOrigins({ app: 0, assets: 0, feeds: 0, nightly: 0, control: 0 }, join(projectRoot, ".local", "r2-load"));
  const edge = await startLocalEdge({
    ports: origins.ports,
    addr: `127.0.0.1:${await freePort()}`,
    manifestPath: join(dir, "fastly.toml"),
    logPath: join(dir, "viceroy.log"),
    onStdout,
    env: { PURGE_TOKEN: randomBytes(16).toString("hex") },
  });
  const linesBefore = logLines.length;
  const stop = async () => {
    await edge.stop();
    await origins.stop();
  };

  console.log(`${total} requests, ${connections} connections, against ${edge.base} (Viceroy log: ${join(dir, "viceroy.log")})`);
  const started = Date.now();
  const instance = autocannon({
    url: edge.base,
    connections,
    amount: total,
    timeout: requestTimeoutS,
    requests: [
      {
        setupRequest: (request, context) => {
          const row = pick();
          const n = picked.get(row.kind) ?? 0;
          picked.set(row.kind, n + 1);
          context.row = row;
          return { ...request, method: row.method ?? "GET", path: row.path(n), headers: { host: row.host, "user-agent": "changelog-edge-load-test", ...row.headers } };
        },
        onResponse: (status, body, context, headers) => record(context.row as Row, status, body, headers),
      },
    ],
  });
  const deadline = setTimeout(() => {
    console.error(`the run passed its ${deadlineMs / 1000} s bound: stopping`);
    instance.stop();
  }, deadlineMs);
  const result = await instance;
  clearTimeout(deadline);
  const runSeconds = (Date.now() - started) / 1000;

  // Lines are written when each body has ended: wait until every response has its line.
  const logDeadline = Date.now() + 15_000;
  const loggedIds = () => new Set(logLines.slice(linesBefore).map((line) => (JSON.parse(line) as { request_id: string }).request_id));
  while ([...responses.keys()].some((id) => !loggedIds().has(id)) && Date.now() < logDeadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 500));
  await stop();

  const lines = logLines.slice(linesBefore).map((line) => JSON.parse(line) as { request_id: string; status: number });
  const linesById = new Map<string, { status: number }[]>();
  for (const line of lines) linesById.set(line.request_id, [...(linesById.get(line.request_id) ?? []), line]);
  const missing = [...responses.keys()].filter((id) => !linesById.has(id)).length;
  const doubled = [...linesById.values()].filter((found) => found.length > 1).length;
  const withoutResponse = [...linesById.keys()].filter((id) => !responses.has(id)).length;
  const statusDisagrees = [...responses].filter(([id, status]) => linesById.get(id)?.[0]?.status !== undefined && linesById.get(id)![0]!.status !== status).length;

  const answered = [...byKind.values()].reduce((sum, seen) => sum + seen.count, 0);
  const allStatuses = new Map<number, number>();
  for (const seen of byKind.values()) for (const [status, n] of seen.statuses) allStatuses.set(status, (allStatuses.get(status) ?? 0) + n);
  const outside2xx3xx = new Map([...allStatuses].filter(([status]) => status < 200 || status >= 400));
  const wrong = [...byKind.values()].reduce((sum, seen) => sum + seen.wrong, 0);

  console.log("\nper request kind");
  console.log(`  ${pad("kind", 26)} ${padLeft("weight", 6)} ${padLeft("sent", 6)}  statuses`);
  for (const row of table) {
    const seen = byKind.get(row.kind)!;
    console.log(`  ${pad(row.kind, 26)} ${padLeft(row.weight, 6)} ${padLeft(seen.count, 6)}  ${statusList(seen.statuses)}${seen.wrong ? `  (${seen.wrong} wrong)` : ""}`);
  }
  const figures: [string, string | number][] = [
    ["requests answered", `${answered} of ${total}`],
    ["client errors (timeouts)", `${result.errors} (${result.timeouts})`],
    ["statuses", statusList(allStatuses)],
    ["non-2xx/3xx by status", statusList(outside2xx3xx) || "none"],
    ["answers unlike their row", wrong],
    ["edge 5xx (its own)", edge5xx],
    ["5xx passed from origins", origin5xx],
    ["latency p50 / p99 / max", `${result.latency.p50} / ${result.latency.p99} / ${result.latency.max} ms`],
    ["throughput", `${(answered / runSeconds).toFixed(0)} req/s (${runSeconds.toFixed(1)} s)`],
    ["request-log lines", `${lines.length} for ${answered} responses`],
    ["  missing / doubled", `${missing} / ${doubled}`],
    ["  without a response", withoutResponse],
    ["  status unlike the answer", statusDisagrees],
    ["responses without X-Request-Id", responsesWithoutId],
  ];
  console.log("\nsummary");
  for (const [name, value] of figures) console.log(`  ${pad(name, 32)} ${value}`);
  if (wrongExamples.length) console.log(`\nanswers unlike their row (first ${wrongExamples.length}):\n  ${wrongExamples.join("\n  ")}`);

  const failures = [
    answered !== total && `${total - answered} requests got no answer`,
    result.errors > 0 && `${result.errors} client errors`,
    result.timeouts > 0 && `${result.timeouts} timeouts`,
    edge5xx > 0 && `${edge5xx} edge 5xx`,
    origin5xx > 0 && `${origin5xx} 5xx from origins`,
    wrong > 0 && `${wrong} answers unlike their row`,
    responsesWithoutId > 0 && `${responsesWithoutId} responses without X-Request-Id`,
    (missing > 0 || doubled > 0 || withoutResponse > 0 || lines.length !== answered) &&
      `request log: ${lines.length} lines for ${answered} responses (${missing} missing, ${doubled} doubled, ${withoutResponse} without a response)`,
    statusDisagrees > 0 && `${statusDisagrees} log lines with another status than the client saw`,
  ].filter((failure): failure is string => typeof failure === "string");
  if (failures.length) {
    console.error(`\nFAILED: ${failures.join("; ")}`);
    return 1;
  }
  console.log(`\nOK: ${answered} requests, no errors, no edge 5xx, one request-log line per request`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
