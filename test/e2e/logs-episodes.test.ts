// Episode-download lines under Viceroy: the byte count is what the client received (full body,
// a range, a HEAD, an origin that breaks off, a client that hangs up), the geo fields come from
// the client address, and every line is one the stats importer keeps. Assertions are on what the
// client received, so they hold whether an object comes from the origin or the edge cache; the
// spare mp3s are left to tests that need a cold cache.

import { existsSync, readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { beforeEach, describe, expect, it } from "vitest";
import { fixtureBytes, mp3s } from "../../scripts/origins/fixtures.js";
import { writtenBodyBytes } from "../../src/cache/asset-delivery.js";
import { cutMark, maxLogLineBytes } from "../../src/config/log-caps.js";
import { episodeEndpoints, logEndpoints } from "../../src/config/log-endpoints.js";
import { importLine } from "../support/importer.js";
import { uniqueAgent, watchLog, type LogWatch } from "../support/viceroy-log.js";
import { edge, injectFault, resetOrigins, send } from "./support/edge.js";

const endpointNames = new Set(logEndpoints.map((e) => e.name));
/**
 * Bytes Viceroy can hold between the program and the socket: its streaming-body channel (8
 * chunks) and hyper's write buffer (~400 KiB). Observed: 230–270 KiB.
 */
const hostBuffers = 1024 * 1024;
const assets = "cdn.changelog.com";

let log: LogWatch;
beforeEach(async () => {
  await resetOrigins();
  log = watchLog(edge().logPath, endpointNames);
});

/** The one episode line written for the request that carried `agent`, parsed by the importer. */
async function episodeLineFor(agent: string, endpoint: string) {
  const [requestLine] = await log.waitFor((l) => l.endpoint === "requests" && JSON.parse(l.message).user_agent === agent);
  const lines = log.lines().filter((l) => l.endpoint.startsWith("episodes-") && l.message.includes(`"${agent}"`));
  expect(lines.map((l) => l.endpoint)).toEqual([endpoint]);
  const imported = importLine(lines[0]!.message);
  return { message: lines[0]!.message, imported, fields: imported.kept ? imported.fields : lines[0]!.message.split(","), request: JSON.parse(requestLine!.message) as Record<string, unknown> };
}

const podcastOf = (path: string) => episodeEndpoints.get(path.split("/")[2]!)!.name;

describe("episode downloads: body bytes are what the client received", () => {
  it("a full download logs the whole size, status 200", async () => {
    const mp3 = mp3s.small;
    const agent = uniqueAgent("full");
    const res = await send(mp3.path, { host: assets, headers: { "user-agent": agent } });
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(mp3.size);
    expect(res.headers["content-length"]).toBe(String(mp3.size));
    const { imported, request } = await episodeLineFor(agent, podcastOf(mp3.path));
    expect(res.body).toEqual(Buffer.from(fixtureBytes(mp3)));
    expect(imported).toMatchObject({ kept: true, entry: { bytes: res.body.length, status: 200, episode: "1" } });
    expect(request).toMatchObject({ bytes_out: res.body.length, delivery: "complete", status: 200 });
  });

  it("a 206 range logs the range length", async () => {
    const mp3 = mp3s.oneMB;
    for (const [range, length] of [
      ["bytes=1000-1999", 1000],
      ["bytes=-500", 500],
      [`bytes=${mp3.size - 7}-`, 7],
    ] as const) {
      const agent = uniqueAgent("range");
      const res = await send(mp3.path, { host: assets, headers: { "user-agent": agent, range } });
      expect(res.status).toBe(206);
      expect(res.body.length).toBe(length);
      const { imported } = await episodeLineFor(agent, podcastOf(mp3.path));
      expect(imported).toMatchObject({ kept: true, entry: { bytes: length, status: 206 } });
    }
  });

  it("a HEAD logs 0 bytes (the importer then skips the line, as it always has)", async () => {
    const agent = uniqueAgent("head");
    const res = await send(mp3s.oneMB.path, { method: "HEAD", host: assets, headers: { "user-agent": agent } });
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
    const { fields, imported } = await episodeLineFor(agent, podcastOf(mp3s.oneMB.path));
    expect(fields[3]).toBe("0");
    expect(fields[4]).toBe("200");
    expect(imported).toMatchObject({ kept: false, reason: "0 bytes" });
  });

  it("a conditional request logs the status and bytes the client got (0 for a 304)", async () => {
    const mp3 = mp3s.oneMB;
    const first = await send(mp3.path, { host: assets, headers: { range: "bytes=0-0" } });
    const agent = uniqueAgent("304");
    const res = await send(mp3.path, { host: assets, headers: { "user-agent": agent, "if-none-match": String(first.headers.etag) } });
    const { fields } = await episodeLineFor(agent, podcastOf(mp3.path));
    expect([fields[3], fields[4]]).toEqual([String(res.body.length), String(res.status)]);
    if (res.status === 304) expect(fields[3]).toBe("0");
  });

  it("a whole download larger than a store answer leaves on the host: the line says the length handed over", async () => {
    const mp3 = mp3s.thirtyMB;
    const agent = uniqueAgent("whole");
    const received = await rawDownload(mp3.path, agent, { stopAfter: Infinity });
    expect(received.bytes).toBe(mp3.size);
    const { fields, imported, request } = await episodeLineFor(agent, podcastOf(mp3.path));
    expect(imported).toMatchObject({ kept: true, entry: { bytes: mp3.size, status: 200 } });
    expect(request).toMatchObject({ bytes_out: mp3.size, delivery: "host" });
    // Cold, the whole GET that taught the store the object; known, the GET through the HTTP cache.
    expect(String(request.cache_note)).toMatch(/whole-from-origin|larger-than-an-answer/);
    expect(fields[3]).toBe(String(mp3.size));
  });

  it("a client that hangs up on such a download: the line still says the length handed over, and delivery host (docs/logs.md)", async () => {
    const mp3 = mp3s.thirtyMB;
    const agent = uniqueAgent("whole-abort");
    const download = await rawDownload(mp3.path, agent, { stopAfter: 2_000_000 });
    expect(download.bytes).toBeLessThan(mp3.size);
    const { fields, request } = await episodeLineFor(agent, podcastOf(mp3.path));
    // The program handed the origin's body to the platform and ended: it cannot see the hang-up.
    expect(request).toMatchObject({ delivery: "host", bytes_out: mp3.size });
    expect(fields[3]).toBe(String(mp3.size));
  });

  it("an origin that breaks off mid-answer from the store: the line counts the bytes that left, and says it failed", async () => {
    const mp3 = mp3s.thirtyMB;
    // A cached copy would spare the origin, and the fault with it.
    await send(mp3.path, { host: assets, method: "PURGE", headers: { "purge-token": edge().purgeToken } });
    // Three breaks: the segment's fetch, the retry of the rest of the slice, and the repair.
    await injectFault("assets", { mode: "reset-after", bytes: 500_000, path: mp3.path, times: 3 });
    const agent = uniqueAgent("origin-cut");
    const received = await rawDownload(mp3.path, agent, { stopAfter: Infinity, range: "bytes=0-" });
    const { fields, request } = await episodeLineFor(agent, podcastOf(mp3.path));
    const logged = Number(fields[3]);
    expect(request.bytes_out).toBe(logged);
    expect(logged).toBeGreaterThanOrEqual(received.bytes);
    // Viceroy aborts the client connection when a body ends short of its Content-Length, and
    // what it still held then (see the hang-up case below) never reaches the client.
    expect(logged - received.bytes).toBeLessThanOrEqual(hostBuffers);
    expect(logged).toBeLessThan(writtenBodyBytes);
    expect(request.delivery).toBe("failed");
  });

  it("a client that hangs up mid-answer from the store gets a line with the bytes that left, minus nothing the edge could know", async () => {
    const mp3 = mp3s.thirtyMB;
    const agent = uniqueAgent("abort");
    // An answer from the store is 1 MiB at most: the kernel and Viceroy may hold all of it for a
    // client that stopped reading, and then every byte has left the program.
    const download = await rawDownload(mp3.path, agent, { stopAfter: 200_000, range: "bytes=0-" });
    const { message, fields, imported, request } = await episodeLineFor(agent, podcastOf(mp3.path));
    const logged = Number(fields[3]);
    expect(imported, `${message} / ${JSON.stringify(request)} / read ${JSON.stringify(download)}`).toMatchObject({ kept: true });
    expect(["client-gone", "complete"]).toContain(request.delivery);
    expect(fields[4]).toBe("206");
    // Bytes the test read, plus bytes the kernel still held for it (its receive queue and the
    // edge's send queue), are bytes that left the edge program: the line must count them all.
    const leftTheEdge = download.bytes + download.kernelQueued;
    expect(logged).toBeGreaterThanOrEqual(Math.min(leftTheEdge, writtenBodyBytes));
    // What remains is what Viceroy itself held when the client hung up: its 8-chunk channel
    // between program and connection and hyper's write buffer (see docs/logs.md). Neither the
    // program nor Fastly's host interface can see those bytes.
    expect(logged - leftTheEdge).toBeLessThanOrEqual(download.kernelMeasured ? hostBuffers : 24 * 1024 * 1024);
    expect(logged).toBeLessThanOrEqual(writtenBodyBytes);
    if (request.delivery === "client-gone") expect(logged).toBeLessThan(writtenBodyBytes);
  });
});

describe("episode downloads: geolocation from the client address", () => {
  const cases = [
    ["127.0.0.1", ["39.047", "-77.490", "Ashburn", "NA", "US", "United States"]],
    ["127.0.0.2", ["0.000", "0.000", "(null)", "(null)", "(null)", "(null)"]],
    ["127.0.0.3", ["50.837", "4.433", "Woluwe-Saint-Pierre", "EU", "BE", "Belgium"]],
  ] as const;
  for (const [from, expected] of cases) {
    it(`${from}: ${expected.join(", ")}`, async () => {
      const agent = uniqueAgent(`geo-${from}`);
      const res = await send(mp3s.small.path, { host: assets, from, headers: { "user-agent": agent, range: "bytes=0-99" } });
      expect(res.status).toBe(206);
      const { fields } = await episodeLineFor(agent, podcastOf(mp3s.small.path));
      expect(fields[0]).toBe(from);
      const [lat, lon, city, continent, country, countryName] = expected;
      expect([fields[6], fields[7], fields[8], fields[9], fields[10], fields[11]]).toEqual([
        lat,
        lon,
        city,
        continent,
        country,
        countryName,
      ]);
    });
  }
});

describe("episode downloads: the line format", () => {
  it("writes the spec's 12 fields: ip, CLF time, path without query, bytes, status, agent, geo", async () => {
    const agent = uniqueAgent("format");
    const before = Math.floor(Date.now() / 1000) * 1000;
    await send(`${mp3s.small.path}?_=tracking&x=1`, { host: assets, headers: { "user-agent": agent, range: "bytes=0-9" } });
    const { message } = await episodeLineFor(agent, podcastOf(mp3s.small.path));
    const match = /^127\.0\.0\.1,\[(\d\d)\/(\w{3})\/(\d{4}):(\d\d):(\d\d):(\d\d) \+0000\],\/uploads\/news\/1\/changelog-news-1\.mp3,10,206,"(.*)",39\.047,-77\.490,"Ashburn",NA,US,"United States"$/.exec(message);
    expect(match, message).not.toBeNull();
    const [, dd, mon, yyyy, hh, mm, ss] = match!;
    const logged = Date.parse(`${dd} ${mon} ${yyyy} ${hh}:${mm}:${ss} GMT`);
    expect(logged).toBeGreaterThanOrEqual(before);
    expect(logged).toBeLessThanOrEqual(Date.now());
  });

  it("a user agent with quotes, commas, backslashes, a tab and UTF-8 bytes reaches the importer exactly", async () => {
    const meant = `Evil "Agent", v2\tC:\\Pödcast 🎧 日本 ${uniqueAgent("hostile")}`;
    const onTheWire = Buffer.from(meant, "utf8").toString("latin1");
    await send(mp3s.small.path, { host: assets, headers: { "user-agent": onTheWire, range: "bytes=0-9" } });
    const [requestLine] = await log.waitFor((l) => l.endpoint === "requests" && JSON.parse(l.message).user_agent === meant);
    expect(requestLine).toBeDefined();
    const line = log.lines().find((l) => l.endpoint === "episodes-news" && l.message.includes("hostile"))!;
    const imported = importLine(line.message);
    if (!imported.kept) throw new Error(`${imported.reason}\n${line.message}`);
    expect(imported.fields).toHaveLength(12);
    expect(imported.entry.agent).toBe(meant);
    expect(line.message).not.toMatch(/[\u0000-\u0008\u000a-\u001f]/);
  });

  it("a 69 KB user agent and an 8 KB URL give lines under the stated maximum, cut and marked", async () => {
    const tag = uniqueAgent("huge");
    // Just under js-compute's 69,000-byte header value buffer (src/http/header-limit.ts).
    const agent = `${tag} ${"x\"y".repeat(22 * 1024)}`;
    const target = `${mp3s.small.path}?${"q".repeat(8000)}`;
    const res = await send(target, { host: assets, headers: { "user-agent": agent, referer: agent, range: "bytes=0-9" } });
    expect(res.status).toBe(206);
    const [request] = await log.waitFor((l) => l.endpoint === "requests" && l.message.includes(tag));
    const [episode] = await log.waitFor((l) => l.endpoint === "episodes-news" && l.message.includes(tag));
    for (const line of [request!, episode!]) expect(Buffer.byteLength(line.message)).toBeLessThanOrEqual(maxLogLineBytes);
    const fields = JSON.parse(request!.message) as Record<string, string>;
    expect(fields.user_agent!.endsWith(cutMark) && fields.referer!.endsWith(cutMark) && fields.url!.endsWith(cutMark)).toBe(true);
    const imported = importLine(episode!.message);
    if (!imported.kept) throw new Error(imported.reason);
    expect(imported.entry.agent.startsWith(tag)).toBe(true);
    expect(imported.entry.agent.endsWith(cutMark)).toBe(true);
  });

  it("no episode line for a request from another Fastly node (Fastly-FF), but a request line", async () => {
    const agent = uniqueAgent("ff");
    await send(mp3s.small.path, { host: assets, headers: { "user-agent": agent, "fastly-ff": "cache-iad-1-IAD", range: "bytes=0-9" } });
    const [line] = await log.waitFor((l) => l.endpoint === "requests" && JSON.parse(l.message).user_agent === agent);
    expect(JSON.parse(line!.message)).toMatchObject({ relayed: true });
    expect(log.lines().filter((l) => l.message.includes(agent))).toHaveLength(1);
  });

  it("no episode line for a PURGE of an episode (an operator, not a listener), but a request line", async () => {
    const agent = uniqueAgent("purge");
    const res = await send(mp3s.small.path, { host: assets, method: "PURGE", headers: { "user-agent": agent, "purge-token": edge().purgeToken } });
    expect(res.status).toBe(200);
    const [line] = await log.waitFor((l) => l.endpoint === "requests" && JSON.parse(l.message).user_agent === agent);
    expect(JSON.parse(line!.message)).toMatchObject({ method: "PURGE", status: 200 });
    expect(log.lines().filter((l) => l.message.includes(agent))).toHaveLength(1);
  });

  it("assets outside a podcast's uploads get no episode line", async () => {
    const agent = uniqueAgent("cover");
    await send("/uploads/covers/the-changelog-original.png", { host: assets, headers: { "user-agent": agent } });
    await log.waitFor((l) => l.endpoint === "requests" && JSON.parse(l.message).user_agent === agent);
    expect(log.lines().filter((l) => l.message.includes(agent)).map((l) => l.endpoint)).toEqual(["requests"]);
  });
});

interface RawDownload {
  /** Body bytes the test read from its socket. */
  readonly bytes: number;
  /** Body bytes still in kernel queues when the test hung up (its receive queue, the edge's send queue). */
  readonly kernelQueued: number;
  readonly kernelMeasured: boolean;
}

/**
 * GETs `path` over a raw socket and counts body bytes. With a finite `stopAfter`, stops reading
 * once that many arrived, waits until the edge can send no more (every buffer full), measures
 * what the kernel holds for the connection, and resets it.
 */
async function rawDownload(path: string, agent: string, { stopAfter, range }: { stopAfter: number; range?: string }): Promise<RawDownload> {
  const base = new URL(edge().base);
  const socket = connect({ host: base.hostname, port: Number(base.port) });
  await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const rangeLine = range ? `Range: ${range}\r\n` : "";
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${assets}\r\nUser-Agent: ${agent}\r\n${rangeLine}Connection: close\r\n\r\n`);
  let head = Buffer.alloc(0);
  let bytes = -1;
  await new Promise<void>((resolve) => {
    socket.on("data", (chunk: Buffer) => {
      if (bytes < 0) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end === -1) return;
        bytes = head.length - end - 4;
      } else {
        bytes += chunk.length;
      }
      if (bytes >= stopAfter) {
        socket.pause();
        resolve();
      }
    });
    socket.on("close", () => resolve());
    socket.on("error", () => resolve());
  });
  if (!Number.isFinite(stopAfter) || socket.destroyed) return { bytes, kernelQueued: 0, kernelMeasured: true };
  const queued = await stalledQueues(socket);
  socket.resetAndDestroy();
  return { bytes, kernelQueued: queued ?? 0, kernelMeasured: queued !== null };
}

/**
 * Once the transfer has stalled, the bytes queued in the kernel for this connection: the
 * receive queue of the test's socket plus the send queue of the edge's (Linux /proc/net/tcp,
 * columns tx_queue:rx_queue). Null where /proc/net/tcp does not exist.
 */
async function stalledQueues(socket: Socket): Promise<number | null> {
  if (!existsSync("/proc/net/tcp")) {
    await new Promise((r) => setTimeout(r, 1000));
    return null;
  }
  const port = socket.localPort!;
  let previous = -1;
  let steady = 0;
  for (let i = 0; i < 100 && steady < 3; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const now = queuedFor(port);
    steady = now === previous ? steady + 1 : 0;
    previous = now;
  }
  return previous;
}

function queuedFor(clientPort: number): number {
  let total = 0;
  for (const row of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const f = row.trim().split(/\s+/);
    if (f.length < 5) continue;
    const local = parseInt(f[1]!.split(":")[1]!, 16);
    const remote = parseInt(f[2]!.split(":")[1]!, 16);
    const [tx, rx] = f[4]!.split(":").map((h) => parseInt(h, 16)) as [number, number];
    if (local === clientPort) total += rx; // the test's socket: received, not yet read
    else if (remote === clientPort) total += tx; // the edge's socket: written, not yet taken
  }
  return total;
}
