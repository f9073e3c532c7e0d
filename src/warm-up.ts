// Compiles the edge's per-request decisions before the first request. js-compute runs the
// program's top level once at build time (Wizer) and starts every execution from a snapshot of
// that state, and SpiderMonkey compiles a function the first time it is called: a function first
// called while serving a request is compiled in that request, in every request. Measured under
// Viceroy 0.22: the router's first `decide` in an execution took 350 µs, the second 13 µs; run
// once here, the first takes 20 µs (docs/operations.md, "Per-request cost").
//
// So the pure decisions every request makes are run here once over sample requests: the router
// and its rules, the request view, cache policy and phases, stored metadata, the asset answer and
// its delivery, Cache-Status and the headers every response carries, and every log line. Only
// what works during initialisation is used: plain data, Headers and URL (no Request, no Response,
// no host call of `fastly:*`), and no clock or randomness, so the snapshot keeps compiled code
// and nothing else of this run. Pure: unit-tested in Node (test/unit/warm-up.test.ts).

import { fitsInEntry, decodeMetadata, encodeMetadata, freshenedBy304, readSegmentAnswer, revalidationHeadersOf, withBytesInEntry } from "./cache/asset-object.js";
import { deliveryFor, type ContentAnswer } from "./cache/asset-delivery.js";
import { cacheHeaders } from "./cache/cache-status.js";
import type { CacheOutcome } from "./cache/outcome.js";
import { decidePhase, phaseOf, staleServedNote, type LookupFacts } from "./cache/phase.js";
import { bodyCheck, bodyHome, freshnessOf, retention, storePolicy } from "./cache/policy.js";
import { segmentsOf, storeKeys } from "./cache/segments.js";
import { decodeStored, encodeStored, freshenedWith, originAgeSeconds, revalidationHeaders, storedHeaders, storedResponseFrom } from "./cache/stored-response.js";
import { chainedCacheHeaders, segmentSizeFor, throughShield, tierSurrogateControl, upstreamCacheHeaders, type TierState } from "./cache/tiers.js";
import { varyOf } from "./cache/vary.js";
import { siteHosts } from "./config/hosts.js";
import type { OriginName } from "./config/origins.js";
import type { Decision } from "./decision.js";
import { edgeRequestOf } from "./edge-request.js";
import { answerAsset } from "./http/asset-answer.js";
import { evaluatePreconditions } from "./http/conditional.js";
import { headersComplete } from "./http/header-limit.js";
import { clientAsksToClose, withoutConnectionSpecific } from "./http/hop-by-hop.js";
import { isNullBodyStatus } from "./http/null-body.js";
import { originRequestHeaders } from "./http/origin-request.js";
import { parseRangeHeader } from "./http/range.js";
import { requestIdFor } from "./http/request-id.js";
import { everyResponseHeaders } from "./http/response-headers.js";
import { destinationsFor } from "./logs/destinations.js";
import type { Delivery } from "./logs/exchange.js";
import { unknownGeo } from "./logs/geo.js";
import { writeLines } from "./logs/write-lines.js";
import { decide } from "./router.js";

/** Requests of the kinds the edge serves most: method, host, path and query, headers. */
const samples: readonly (readonly [string, string, string, Record<string, string>])[] = [
  ["GET", "changelog.com", "/", { cookie: "_changelog_session=x", accept: "text/html" }],
  ["GET", "changelog.com", "/podcast/feed", { "user-agent": "Overcast/3.0 (+http://overcast.fm/; Apple Watch podcast app)", "if-none-match": '"abc"' }],
  ["GET", "changelog.com", "/jsparty/300?utm_source=x", { "accept-encoding": "gzip", "x-forwarded-proto": "https" }],
  ["HEAD", "changelog.com", "/feed", {}],
  ["GET", "changelog.com", "/health", {}],
  ["GET", "www.changelog.com", "/about/", {}],
  ["POST", "changelog.com", "/~/subscribe", { "content-length": "12" }],
  ["PURGE", "changelog.com", "/podcast/feed", { "fastly-soft-purge": "1" }],
  ["GET", "changelog.com", "/socket/websocket", { upgrade: "websocket", connection: "Upgrade" }],
  ["GET", "nightly.changelog.com", "/2026/12/01/", {}],
  ["GET", "cdn.changelog.com", "/uploads/podcast/600/the-changelog-600.mp3", { range: "bytes=0-1", "user-agent": "AppleCoreMedia/1.0.0.21E230 (iPhone; U; CPU OS 17_4 like Mac OS X; en_us)" }],
  ["GET", "cdn.changelog.com", "/uploads/jsparty/300/js-party-300.mp3", { range: "bytes=1048576-", "user-agent": "Pocket Casts" }],
  ["GET", "cdn.changelog.com", "/uploads/gotime/300/go-time-300.mp3", { "user-agent": "curl/8.0", connection: "close" }],
  ["GET", "cdn.changelog.com", "/static/css/app.css", { "if-none-match": 'W/"0123456789abcdef"', "if-modified-since": "Tue, 01 Dec 2026 00:00:00 GMT" }],
  ["HEAD", "cdn.changelog.com", "/uploads/covers/the-changelog-original.png", {}],
];

const servedBy = { pop: "IAD", region: "US-East", hostname: "cache-iad-warm-up" };
const tiers: readonly TierState[] = [
  { role: "single", shieldDown: false, fromPop: false },
  { role: "edge", shieldDown: false, fromPop: false },
  { role: "shield", shieldDown: false, fromPop: true },
];

/** An origin answer of the shape R2 and the app send. */
function originHeaders(extra: Record<string, string>): Headers {
  return new Headers({
    "content-type": "audio/mpeg",
    etag: '"0123456789abcdef"',
    "last-modified": "Tue, 01 Dec 2026 00:00:00 GMT",
    "cache-control": "public, max-age=60",
    "surrogate-key": "podcast episode-600",
    date: "Tue, 01 Dec 2026 00:00:01 GMT",
    ...extra,
  });
}

function outcomesFor(decision: Decision): CacheOutcome[] {
  const origin: OriginName | undefined = decision.kind === "origin" ? decision.origin : undefined;
  return [
    { state: "hit", ttl: 200, age: 40, hits: 3, ...(origin ? { origin } : {}), note: "segments=1/1" },
    { state: "miss", fwd: "uri-miss", stored: true, ttl: 240, age: 0, ...(origin ? { origin } : {}) },
    { state: "stale", fwd: "stale", ttl: -5, age: 245, ...(origin ? { origin } : {}), note: "revalidating" },
    { state: "pass", fwd: "bypass", ...(origin ? { origin } : {}), note: "hit-for-pass set-cookie" },
    { state: "edge" },
  ];
}

/** What a warm-up went through, so a test can tell it still reaches every kind of request. */
export interface WarmUpSummary {
  /** Decisions made: their kind, and the origin for those that go to one. */
  readonly decisions: Set<string>;
  /** Lines written, by log endpoint. */
  readonly lines: Map<string, number>;
  /** Asset answers made: their kind and status. */
  readonly assetAnswers: Set<string>;
  /** Pages and feeds: the store decisions made ("store" or the reason not to). */
  readonly pageStores: Set<string>;
}

/** The decisions and answers of one sample request. */
function warmRequest([method, host, target, fields]: (typeof samples)[number], summary: WarmUpSummary): void {
  const headers = new Headers({ host, ...fields });
  const req = edgeRequestOf(method, new URL(target, `https://${host}`), headers, "192.0.2.1");
  headersComplete(host, req.headers);
  const requestId = requestIdFor(req.headers, () => "00000000-0000-4000-8000-000000000000");
  clientAsksToClose(req.headers);
  const decision = decide(req);
  summary.decisions.add(decision.kind === "origin" ? `origin ${decision.origin}${decision.cache ? " cached" : ""}` : decision.kind);
  if (decision.kind === "origin") {
    originRequestHeaders(req, requestId, false);
    originRequestHeaders(req, requestId, true);
    for (const tier of tiers) throughShield(tier, decision.origin, req.method, decision.cache === undefined);
  }
  const destinations = destinationsFor(req, false);
  for (const [index, cache] of outcomesFor(decision).entries()) {
    const ours = cacheHeaders(cache, servedBy, index === 1);
    chainedCacheHeaders(null, ours);
    chainedCacheHeaders(upstreamCacheHeaders(new Headers({ "cache-status": 'changelog-edge; hit; ttl=100; detail="pop=IAD"', "x-cache": "HIT" })), ours);
    everyResponseHeaders(req.site, cache.origin);
    const status = index === 4 ? 204 : index === 0 && req.headers.has("range") ? 206 : 200;
    isNullBodyStatus(status);
    const delivery: Delivery = (["complete", "host", "client-gone", "failed", "complete"] as const)[index]!;
    writeLines(
      destinations,
      {
        startedAt: 1_796_083_200_000,
        elapsedUs: 1234.5,
        cpuMs: 2,
        requestId,
        clientIp: req.clientIp,
        geo: unknownGeo,
        method: req.method,
        host: req.host,
        path: req.path,
        query: req.query,
        protocol: "HTTP/2",
        tls: true,
        relayed: false,
        userAgent: req.headers.get("user-agent"),
        referer: null,
        requestBodyBytes: null,
        status,
        contentType: "audio/mpeg",
        bodyBytes: 1_048_576,
        delivery,
        cache,
        servedBy,
      },
      (endpoint) => summary.lines.set(endpoint, (summary.lines.get(endpoint) ?? 0) + 1),
      (endpoint, error) => {
        throw new Error(`${endpoint}: ${String(error)}`);
      },
    );
  }
}

/** The asset store's reading of an origin answer, and the answers made from what it stores. */
function warmAssets(summary: WarmUpSummary): void {
  for (const [size, shielded] of [
    [200_003, false],
    [300_000_000, true],
  ] as const) {
    const segment = segmentSizeFor(shielded);
    const read = readSegmentAnswer(206, originHeaders({ "content-range": `bytes 0-${Math.min(size, segment) - 1}/${size}`, "content-length": String(Math.min(size, segment)) }), 0, segment);
    if (read.kind !== "object") continue;
    const object = withBytesInEntry(read.object, fitsInEntry(read.object));
    const stored = decodeMetadata(encodeMetadata(object));
    storeKeys.object("cdn.changelog.com/uploads/podcast/600/the-changelog-600.mp3");
    storeKeys.segment("cdn.changelog.com/uploads/podcast/600/the-changelog-600.mp3", object.version, 0, object.segment);
    revalidationHeadersOf(object);
    freshenedBy304(object, new Headers({ etag: object.etag ?? "", "cache-control": "public, max-age=60" }));
    tierSurrogateControl(object.times);
    retention(object.times);
    varyOf(new Headers(object.headers));
    for (const [method, , , fields] of samples.filter(([, host]) => host === siteHosts.assets)) {
      const request = new Headers(fields);
      parseRangeHeader(request.get("range"));
      const asked = answerAsset(method as "GET" | "HEAD", request, stored?.kind === "object" ? stored : object, () => "warm-up");
      summary.assetAnswers.add(`${asked.kind} ${asked.status}`);
      if (asked.kind !== "content") continue;
      const whole = () => answerAsset(method as "GET" | "HEAD", new Headers(), object, () => "warm-up") as ContentAnswer;
      const delivery = deliveryFor(asked, object, whole);
      if (delivery.kind === "written") segmentsOf(delivery.plan);
    }
  }
  readSegmentAnswer(404, originHeaders({ "content-type": "text/plain", "content-length": "9" }), 0, segmentSizeFor(false));
  readSegmentAnswer(200, originHeaders({ "content-length": "48611", "cache-control": "no-store" }), "whole", segmentSizeFor(false));
}

/** Pages and feeds: what may be stored, its metadata, phases, and the client's preconditions. */
function warmPages(summary: WarmUpSummary): void {
  for (const [status, extra] of [
    [200, { "content-type": "application/xml", "content-length": "686995" }],
    [200, { "content-type": "text/html", "transfer-encoding": "chunked", "set-cookie": "a=b" }],
    [301, { location: "https://changelog.com/podcast", "content-length": "0" }],
    [404, { "content-type": "text/html", "content-length": "1234", vary: "accept-encoding" }],
  ] as const) {
    const headers = originHeaders(extra);
    for (const origin of ["app", "feeds", "nightly"] as const) {
      const policy = storePolicy(origin, status, headers);
      summary.pageStores.add(policy.store ? "store" : policy.reason);
      const check = bodyCheck(status, headers);
      if (check !== "unverifiable") bodyHome(check, headers);
      if (!policy.store) continue;
      const stored = storedResponseFrom(status, headers, policy.times);
      const decoded = decodeStored(encodeStored(stored));
      if (decoded) {
        storedHeaders(decoded);
        revalidationHeaders(decoded);
        freshenedWith(decoded, new Headers({ etag: '"0123456789abcdef"', date: "Tue, 01 Dec 2026 00:05:00 GMT" }), policy.times);
      }
      originAgeSeconds(new Headers({ age: "12" }));
      withoutConnectionSpecific(new Headers({ connection: "close, x-foo", "x-foo": "1", "keep-alive": "timeout=5" }));
      for (const ageSeconds of [10, 250, 400]) {
        freshnessOf(ageSeconds, policy.times);
        phaseOf(ageSeconds, policy.times, ageSeconds > 240);
        for (const obligated of [true, false]) {
          const facts: LookupFacts = { found: true, times: policy.times, ageSeconds, stale: ageSeconds > 240, obligated };
          const phase = decidePhase(facts);
          if (phase.action === "serve-stale") staleServedNote(phase);
        }
      }
      decidePhase({ found: false, times: null, ageSeconds: 0, stale: false, obligated: true });
      const preconditions: Record<string, string>[] = [{ "if-none-match": '"0123456789abcdef", W/"x"' }, { "if-modified-since": "Tue, 01 Dec 2026 00:00:00 GMT" }, { "if-match": "*" }];
      for (const fields of preconditions) {
        evaluatePreconditions("GET", new Headers(fields), { etag: '"0123456789abcdef"', lastModified: "Tue, 01 Dec 2026 00:00:00 GMT" });
      }
    }
  }
}

/** How a failure is reported during initialisation; the build (scripts/wasm.ts) fails on it. */
export const warmUpFailed = "warm-up failed:";

/**
 * Runs every sample once. A failure is reported, not thrown, so that one sample's failure does not
 * stop the others; the unit test and the build fail on any report.
 */
export function warmUp(report: (error: unknown) => void = (error) => console.error(`${warmUpFailed} ${String(error)}`)): WarmUpSummary {
  const summary: WarmUpSummary = { decisions: new Set(), lines: new Map(), assetAnswers: new Set(), pageStores: new Set() };
  for (const sample of samples) {
    try {
      warmRequest(sample, summary);
    } catch (error) {
      report(error);
    }
  }
  for (const warm of [warmAssets, warmPages]) {
    try {
      warm(summary);
    } catch (error) {
      report(error);
    }
  }
  return summary;
}
