// The request log under Viceroy: exactly one JSON line for every request the edge answers,
// whatever answered it, carrying the request id the client saw and the bytes it got. Paths are
// ones no other test needs uncached (app and nightly pages carry a query of their own).

import { beforeEach, describe, expect, it } from "vitest";
import { mp3s } from "../../scripts/origins/fixtures.js";
import { logEndpoints } from "../../src/config/log-endpoints.js";
import { uniqueAgent, watchLog, type LogWatch } from "../support/viceroy-log.js";
import { edge, resetOrigins, send, type EdgeRequestOptions } from "./support/edge.js";

let log: LogWatch;
beforeEach(async () => {
  await resetOrigins();
  log = watchLog(edge().logPath, new Set(logEndpoints.map((e) => e.name)));
});

const run = Date.now().toString(36);
/**
 * Each request, and how its body leaves (docs/logs.md): `host` for an origin's body of declared
 * length the edge passes on without storing it (the local app sends its pages with a
 * Content-Length and no-store), `complete` for bodies the program counts as they leave (edge
 * answers, cache entries, origin bodies of unknown length).
 */
const requests: [string, string, EdgeRequestOptions, "complete" | "host"][] = [
  ["edge health", "/health", {}, "complete"],
  ["app page", `/?logs=${run}`, {}, "host"],
  ["app page with cookie", `/?logs=${run}`, { headers: { cookie: "_changelog_user=1" } }, "host"],
  ["app 404", `/no/such/page?logs=${run}`, {}, "complete"],
  ["app POST", "/echo", { method: "POST", body: "x=1" }, "complete"],
  ["feed", "/shipit/feed", {}, "complete"],
  ["asset", "/uploads/covers/the-changelog-original.png", { host: "cdn.changelog.com" }, "complete"],
  ["mp3 range", mp3s.small.path, { host: "cdn.changelog.com", headers: { range: "bytes=0-99" } }, "complete"],
  ["mp3 HEAD", mp3s.small.path, { host: "cdn.changelog.com", method: "HEAD" }, "complete"],
  ["nightly", `/?logs=${run}`, { host: "nightly.changelog.com" }, "complete"],
  ["origin health", "/app_health", {}, "complete"],
];

describe("request log", () => {
  it("writes exactly one line per request, with the id, status and bytes the client saw", async () => {
    const sent = [];
    for (const [name, path, options, delivery] of requests) {
      const agent = uniqueAgent(name.replace(/\s/g, "-"));
      const res = await send(path, { ...options, headers: { ...options.headers, "user-agent": agent } });
      sent.push({ name, path, options, agent, res, delivery });
    }
    const byAgent = (agent: string) => (l: { endpoint: string; message: string }) =>
      l.endpoint === "requests" && (JSON.parse(l.message) as { user_agent: string }).user_agent === agent;
    for (const { agent } of sent) await log.waitFor(byAgent(agent));
    await new Promise((r) => setTimeout(r, 300));
    for (const { name, path, options, agent, res, delivery } of sent) {
      const lines = log.lines().filter(byAgent(agent));
      expect(lines, name).toHaveLength(1);
      const line = JSON.parse(lines[0]!.message) as Record<string, unknown>;
      expect(line, name).toMatchObject({
        request_id: res.headers["x-request-id"],
        method: options.method ?? "GET",
        host: options.host ?? "changelog.com",
        url: path,
        protocol: "HTTP/1.1",
        tls: false,
        http2: false,
        client_ip: "127.0.0.1",
        geo_country_code: "US",
        geo_city: "Ashburn",
        pop: "XXX",
        status: res.status,
        bytes_out: res.body.length,
        delivery,
        user_agent: agent,
      });
      expect(typeof line.elapsed_us, name).toBe("number");
      expect(line.elapsed_us as number, name).toBeGreaterThan(0);
      // vCpuTime() works under Viceroy: a whole number of milliseconds, checked against Fastly's
      // 50 by the harness (test/e2e/support/limits.ts).
      expect(Number.isInteger(line.cpu_ms) && (line.cpu_ms as number) >= 0, `${name}: cpu_ms ${String(line.cpu_ms)}`).toBe(true);
      expect(Date.parse(String(line.time)), name).toBeGreaterThan(Date.now() - 60_000);
    }
  });

  it("records the cache outcome and origin of each answer", async () => {
    const agent = uniqueAgent("outcome");
    await send("/health", { headers: { "user-agent": agent } });
    const [health] = await log.waitFor((l) => l.endpoint === "requests" && l.message.includes(agent));
    expect(JSON.parse(health!.message)).toMatchObject({ origin: null, cache_state: "edge", content_type: null });
    const agent2 = uniqueAgent("outcome-asset");
    await send("/uploads/covers/the-changelog-original.png", { host: "cdn.changelog.com", headers: { "user-agent": agent2 } });
    const [asset] = await log.waitFor((l) => l.endpoint === "requests" && l.message.includes(agent2));
    expect(JSON.parse(asset!.message)).toMatchObject({ origin: "assets", content_type: "image/png" });
  });

  it("counts declared request body bytes and the referer", async () => {
    const agent = uniqueAgent("body");
    await send("/echo", { method: "POST", body: "0123456789", headers: { "user-agent": agent, referer: "https://changelog.com/x" } });
    const [line] = await log.waitFor((l) => l.endpoint === "requests" && l.message.includes(agent));
    expect(JSON.parse(line!.message)).toMatchObject({ bytes_in: 10, referer: "https://changelog.com/x" });
  });
});

describe("request log for a WebSocket upgrade", () => {
  it("writes one line saying the platform took the connection over", async () => {
    const { default: WebSocket } = await import("ws");
    const agent = uniqueAgent("websocket");
    const socket = new WebSocket(`${edge().base.replace(/^http/, "ws")}/live/websocket?vsn=2.0.0`, {
      headers: { host: "changelog.com", "user-agent": agent },
    });
    await new Promise((resolve, reject) => {
      socket.once("open", resolve);
      socket.once("error", reject);
    });
    socket.terminate();
    const [line] = await log.waitFor(
      (l) => l.endpoint === "requests" && (JSON.parse(l.message) as { user_agent: string }).user_agent === agent,
    );
    expect(JSON.parse(line!.message)).toMatchObject({ status: 101, bytes_out: 0, delivery: "handed-off", origin: "app" });
  });
});
