// Two tiers (issue 15, "Shield in Ashburn"): a POP that is not the shield fills shielded origins
// through the shield POP, which fills from the origins; a second POP finds in the shield what the
// first one brought there; each answer's cache headers list both caches, the shield's first; the
// listener's download is logged once, by the POP; a feed comes through the shield and a
// conditional request for it is answered without the origin.
//
// The POP's requests to the shield pass through a counting front (scripts/origins/shield-front.ts)
// recorded as origin "shield"; the shield's origin requests come in on the origins' shield-tier
// ports, recorded with `tier: "shield"` (RecordedRequest.tier), so "only through the shield" is
// checked on both sides. Only the "e2e-shielded" project runs these.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixtureAt, fixtureBytes, mp3s } from "../../scripts/origins/fixtures.js";
import type { RecordedRequest } from "../../scripts/origins/front.js";
import { feedObjects } from "../../src/config/feeds.js";
import { episodeEndpoints, logEndpoints } from "../../src/config/log-endpoints.js";
import { cold, purgeWarmed } from "../shared/cold-cache.js";
import { uniqueAgent, watchLog, type LogWatch } from "../support/viceroy-log.js";
import { edge, injectFault, originRequests, resetOrigins, send, type EdgeResponse } from "./support/edge.js";
import { madeFor, requestIdOf } from "./mp3-support.js";

const assets = "cdn.changelog.com";
const app = "changelog.com";
const endpointNames = new Set(logEndpoints.map((e) => e.name));

/** The entries of a Cache-Status field (RFC 9211 §2: a List; ours have no comma inside). */
function cacheStatusEntries(res: EdgeResponse): string[] {
  return String(res.headers["cache-status"] ?? "")
    .split(/,\s*/)
    .filter(Boolean);
}

/** The requests `origin` received since the reset, once each has been answered (at most 5 s). */
async function answeredRequests(origin: string): Promise<RecordedRequest[]> {
  for (let waited = 0; ; waited += 100) {
    const seen = await originRequests(origin);
    if ((seen.length > 0 && seen.every((r) => r.status !== 0)) || waited >= 5_000) return seen;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Origin requests of one tier, by the port they came in on. */
const fromTier = (seen: readonly RecordedRequest[], tier: RecordedRequest["tier"]) => seen.filter((r) => r.tier === tier);

describe.skipIf(edge().tiers !== 2)("two tiers: a POP fills through the shield (runs only in the e2e-shielded project, which has a shield)", () => {
  let popLog: LogWatch;
  let shieldLog: LogWatch;
  beforeEach(async () => {
    await resetOrigins();
    popLog = watchLog(edge().logPath, endpointNames);
    shieldLog = watchLog(edge().shield!.logPath, endpointNames);
  });
  afterEach(purgeWarmed);

  it("(a) a cold range at the POP reaches the assets origin only through the shield, each hop with the POP's request id, and the bytes are the fixture's", async () => {
    const mp3 = mp3s.spareF;
    await cold(assets, mp3.path);
    await resetOrigins(); // the purges are not this request's
    // From 127.0.0.3, so the listener's address differs from the POP's (127.0.0.1) at the shield.
    const res = await send(mp3.path, { host: assets, from: "127.0.0.3", headers: { range: "bytes=1000-4999" } });
    expect(res.status).toBe(206);
    expect(res.headers["content-range"]).toBe(`bytes 1000-4999/${mp3.size}`);
    expect(res.body).toEqual(Buffer.from(fixtureBytes(mp3, 1000, 5000)));
    const id = requestIdOf(res);

    // The POP asked the shield, with the listener's Host and its own request id. The client's
    // 4,000 bytes can leave before the POP's 1 MiB segment from the shield has finished arriving,
    // and the front records a status once its answer is sent: wait for it (at most 5 s).
    const toShield = await answeredRequests("shield");
    expect(toShield.length).toBeGreaterThanOrEqual(1);
    expect(madeFor(toShield, res)).toEqual(toShield);
    for (const r of toShield) {
      expect(r.headers.host).toBe(assets);
      expect(r.method).toBe("GET");
      expect(r.url.split("?")[0]).toBe(mp3.path);
      expect(r.status).toBe(206);
    }
    // The assets origin heard only from the shield instance, for the same client request.
    const atAssets = await originRequests("assets");
    expect(atAssets.length).toBeGreaterThanOrEqual(1);
    expect(fromTier(atAssets, "edge")).toEqual([]);
    expect(atAssets.map((r) => r.headers["x-request-id"])).toEqual(atAssets.map(() => id));
    // The origin behind the shield is told the listener, not the POP.
    expect(atAssets.map((r) => [r.headers["fastly-client-ip"], r.headers["x-forwarded-for"]])).toEqual(atAssets.map(() => ["127.0.0.3", "127.0.0.3"]));
    // The shield never asked itself, and nothing else reached an origin.
    expect(await originRequests("app")).toEqual([]);
    expect(await originRequests("feeds")).toEqual([]);
  });

  it("(b) a second POP sharing the shield asks the shield, not the origin, for ranges the shield already holds", async () => {
    const mp3 = mp3s.spareE;
    await cold(assets, mp3.path);
    await resetOrigins(); // the purges are not this request's
    const first = await send(mp3.path, { host: assets, headers: { range: "bytes=0-99" } });
    expect(first.status).toBe(206);
    expect((await originRequests("assets")).length).toBeGreaterThanOrEqual(1);
    await resetOrigins();

    // The second POP has a cache of its own (cold for this object), the shield has the bytes.
    const second = await send(mp3.path, { host: assets, headers: { range: "bytes=10-89" }, base: edge().otherPop!.base });
    expect(second.status).toBe(206);
    expect(second.body).toEqual(Buffer.from(fixtureBytes(mp3, 10, 90)));
    expect(await originRequests("assets")).toEqual([]);
    const toShield = await originRequests("shield");
    expect(toShield.length).toBeGreaterThanOrEqual(1);
    expect(madeFor(toShield, second)).toEqual(toShield);
    // The shield's entry (first) says it answered from its cache; the second POP's (last) missed.
    const [shieldEntry, popEntry] = cacheStatusEntries(second);
    expect(shieldEntry).toMatch(/^changelog-edge; hit; .*tier=shield/);
    expect(popEntry).toMatch(/^changelog-edge; fwd=uri-miss; /);
    expect(popEntry).not.toMatch(/tier=shield/);
  });

  it("(c) a POP miss carries two Cache-Status entries, the shield's first and the POP's last, and X-Served-By lists both; a POP hit asks nobody", async () => {
    const mp3 = mp3s.spareD;
    await cold(assets, mp3.path);
    await resetOrigins(); // the purges are not this request's
    const miss = await send(mp3.path, { host: assets, headers: { range: "bytes=0-1023" } });
    expect(miss.status).toBe(206);
    const entries = cacheStatusEntries(miss);
    expect(entries, String(miss.headers["cache-status"])).toHaveLength(2);
    // RFC 9211 §2: the cache closest to the origin first, the one closest to the client last.
    expect(entries[0]).toMatch(/^changelog-edge; fwd=uri-miss; .*detail="[^"]*tier=shield[^"]*"$/);
    expect(entries[1]).toMatch(/^changelog-edge; fwd=uri-miss; /);
    expect(entries[1]).not.toMatch(/tier=shield/);
    expect(String(miss.headers["x-served-by"]).split(/,\s*/)).toHaveLength(2);
    expect(miss.headers["x-cache"]).toBe("MISS, MISS");

    await resetOrigins();
    const hit = await send(mp3.path, { host: assets, headers: { range: "bytes=0-1023" } });
    expect(hit.status).toBe(206);
    expect(hit.body).toEqual(Buffer.from(fixtureBytes(mp3, 0, 1024)));
    expect(cacheStatusEntries(hit).at(-1)).toMatch(/^changelog-edge; hit; /);
    expect(await originRequests("shield")).toEqual([]);
    expect(await originRequests("assets")).toEqual([]);
  });

  it("(d) one episode line per client request, written by the POP; the shield writes only its request-log lines, marked relayed", async () => {
    const mp3 = mp3s.spareC;
    const endpoint = episodeEndpoints.get(mp3.path.split("/")[2]!)!.name;
    await cold(assets, mp3.path);
    await resetOrigins(); // the purges are not this request's
    // Nor their log lines (cold() purges the shield too, as a client of it).
    popLog = watchLog(edge().logPath, endpointNames);
    shieldLog = watchLog(edge().shield!.logPath, endpointNames);
    const agent = uniqueAgent("two-tier");
    const res = await send(mp3.path, { host: assets, headers: { range: "bytes=0-99999", "user-agent": agent } });
    expect(res.status).toBe(206);
    const id = requestIdOf(res);
    // The POP's request-log line is written once its answer is out; the shield's came before.
    const [popLine] = await popLog.waitFor((l) => l.endpoint === "requests" && JSON.parse(l.message).request_id === id);
    expect(JSON.parse(popLine!.message)).toMatchObject({ relayed: false });
    const episodes = popLog.lines().filter((l) => l.endpoint.startsWith("episodes-") && l.message.includes(agent));
    expect(episodes.map((l) => l.endpoint)).toEqual([endpoint]);

    const shieldRequests = (await shieldLog.waitFor((l) => l.endpoint === "requests" && JSON.parse(l.message).request_id === id)).map(
      (l) => JSON.parse(l.message) as Record<string, unknown>,
    );
    // One line per request the POP sent the shield for this download.
    expect(shieldRequests).toHaveLength(madeFor(await originRequests("shield"), res).length);
    // `relayed`: the request came from a POP of this service (its shield token), not a listener.
    for (const line of shieldRequests) expect(line.relayed).toBe(true);
    expect(shieldLog.lines().filter((l) => l.endpoint !== "requests")).toEqual([]);
  });

  it("(e) a feed comes through the shield, and a conditional request for it is a 304 without the origin, at the POP and at a second POP", async () => {
    const [path, object] = Object.entries(feedObjects)[0]!;
    await cold(app, path);
    await resetOrigins(); // the purges are not this request's
    const res = await send(path);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(Buffer.from(fixtureBytes(fixtureAt(object, "feeds"))));
    const toShield = await originRequests("shield");
    expect(toShield).toHaveLength(1);
    expect(toShield[0]).toMatchObject({ method: "GET", url: path, status: 200 });
    expect(toShield[0]!.headers.host).toBe(app);
    const atFeeds = await originRequests("feeds");
    expect(atFeeds.map((r) => [r.url, r.tier, r.headers["x-request-id"]])).toEqual([[object, "shield", requestIdOf(res)]]);
    expect(cacheStatusEntries(res)).toHaveLength(2);

    const validator: Record<string, string> = res.headers.etag ? { "if-none-match": String(res.headers.etag) } : { "if-modified-since": String(res.headers["last-modified"]) };
    expect(res.headers.etag ?? res.headers["last-modified"], "the feed carries a validator").toBeDefined();
    await resetOrigins();
    const again = await send(path, { headers: validator });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(await originRequests("shield")).toEqual([]);
    expect(await originRequests("feeds")).toEqual([]);

    // A second POP has no copy: it asks the shield, which has one, and still answers 304.
    const elsewhere = await send(path, { headers: validator, base: edge().otherPop!.base });
    expect(elsewhere.status).toBe(304);
    expect(elsewhere.body.length).toBe(0);
    expect(await originRequests("feeds")).toEqual([]);
    expect(madeFor(await originRequests("shield"), elsewhere).length).toBeGreaterThanOrEqual(1);
  });

  it("(f) a shield that refuses connections: the POP fills from the origin itself, and the listener gets every byte", async () => {
    const mp3 = mp3s.spareF;
    await cold(assets, mp3.path);
    await resetOrigins(); // the purges are not this request's
    await injectFault("shield", { mode: "down" });
    try {
      const res = await send(mp3.path, { host: assets, headers: { range: "bytes=2000-2999" } });
      expect(res.status).toBe(206);
      expect(res.body).toEqual(Buffer.from(fixtureBytes(mp3, 2000, 3000)));
      // No answer came from the shield; the origin heard from the POP itself, for this request.
      expect((await originRequests("shield")).filter((r) => r.status !== 0)).toEqual([]);
      const atAssets = madeFor(await originRequests("assets"), res);
      expect(atAssets.length).toBeGreaterThanOrEqual(1);
      expect(fromTier(atAssets, "edge")).toEqual(atAssets);
    } finally {
      await resetOrigins();
    }
  });
});
