// A 3 MiB feed of declared length filled into Core Cache and served from it (src/engine/cached.ts):
// every byte whole, cold and cached, one origin request; the guest's cpu_ms of each is printed,
// the figures docs/caching.md ("What a feed costs the guest") compares designs with (no timed
// assertion). A body cut or stalled mid-way: test/e2e/faults.test.ts and faults-matrix.test.ts.

import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { generatedBytes } from "../../scripts/origins/fixtures.js";
import { logEndpoints } from "../../src/config/log-endpoints.js";
import { uniqueAgent, watchLog } from "../support/viceroy-log.js";
import { putObject } from "./support/buckets.js";
import { edge, originRequests, resetOrigins, send } from "./support/edge.js";

const run = randomUUID().slice(0, 8);

beforeEach(resetOrigins);

describe("a 3 MiB feed filled into the cache", () => {
  it("cold and cached: every byte, one origin request, the request log's cpu_ms of each", async () => {
    const object = `/fill-${run}-feed.xml`;
    const path = `/feeds/fill-${run}-feed`;
    const body = generatedBytes(1601, 0, 3 * 1024 * 1024);
    await putObject("feeds", object, body, { contentType: "application/xml" });
    await resetOrigins();
    const log = watchLog(edge().logPath, new Set(logEndpoints.map((e) => e.name)));

    const cpu: Record<string, number> = {};
    for (const round of ["cold", "cached", "cached again"]) {
      const agent = uniqueAgent(`fill-${round.replace(" ", "-")}`);
      const res = await send(path, { headers: { "user-agent": agent } });
      expect(res.status, round).toBe(200);
      expect(res.body.equals(Buffer.from(body)), round).toBe(true);
      expect(res.headers["cache-status"], round).toMatch(round === "cold" ? /fwd=uri-miss; stored/ : /^changelog-edge; hit;/);
      const [line] = await log.waitFor(
        (l) => l.endpoint === "requests" && (JSON.parse(l.message) as { user_agent: string }).user_agent === agent,
      );
      cpu[round] = (JSON.parse(line!.message) as { cpu_ms: number }).cpu_ms;
    }
    expect((await originRequests("feeds")).filter((r) => r.method === "GET")).toHaveLength(1);
    console.log(`3 MiB feed, request log cpu_ms: cold ${cpu.cold}, cached ${cpu.cached}, cached again ${cpu["cached again"]}`);
  });
});
