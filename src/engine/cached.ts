// Cacheable requests to the app, feeds and nightly origins, through Core Cache: fresh copies
// from cache; stale copies at once while one request refreshes them in the background; a
// synchronous refresh past the stale-while-revalidate window, with the stale copy kept for
// when the origin fails; concurrent misses collapsed into one origin request by the
// transactional lookup. Core Cache (not the readthrough HTTP cache) so the same code runs in
// production and under Viceroy; only a body larger than an answer may write out of Core Cache
// (`bodyHome`) is kept by the readthrough cache, behind a marker entry, and leaves on the host.

import { closeNow, Lease } from "../cache/handle-lifetime.js";
import type { CacheOutcome } from "../cache/outcome.js";
import { decidePhase, factsOf, staleServedNote } from "../cache/phase.js";
import { evict, type CacheStore, type StoreEntry, type StoreTransaction, type StoreWriter } from "../cache/store.js";
import {
  bodyCheck,
  bodyHome,
  chunkedReadBackLimit,
  clientBodyEnds,
  endVerdict,
  readBackVerdict,
  retention,
  storePolicy,
  type Afterwards,
  type ReadBackVerdict,
} from "../cache/policy.js";
import { storedAnswer } from "../cache/stored-answer.js";
import {
  decodeStored,
  encodeStored,
  freshenedWith,
  originAgeSeconds,
  revalidationHeaders,
  storedHeader,
  storedHeaders,
  storedResponseFrom,
  type StoredResponse,
} from "../cache/stored-response.js";
import { varyOf } from "../cache/vary.js";
import { readWithin, vouchedBody } from "../cache/vouched-body.js";
import { hitForPassSeconds } from "../config/cache-times.js";
import { origins } from "../config/origins.js";
import type { CachePlacement, ToOrigin } from "../decision.js";
import { withoutConnectionSpecific } from "../http/hop-by-hop.js";
import { relayedAnswer } from "./relayed-answer.js";
import { isNullBodyStatus } from "../http/null-body.js";
import { answerShapingHeaders } from "../http/origin-request.js";
import { originUnavailable, statusWithoutAnswer } from "../http/origin-failure.js";
import type { RequestContext } from "./context.js";
import { fetchWithRetry, type OriginResult } from "./origin-retry.js";
import type { Served } from "./served.js";

type Cacheable = ToOrigin & { cache: CachePlacement };


export async function serveCached(ctx: RequestContext, decision: Cacheable): Promise<Served> {
  // RFC 9111 §4.1: Core Cache picks the variant whose Vary headers match this request's.
  const lease = new Lease(await ctx.store.transactionLookup(decision.cache.key, ctx.req.headers));
  try {
    return await serveLooked(ctx, decision, lease);
  } finally {
    // Closed now unless a body out of it or a refresh or fill on it still runs.
    lease.release();
  }
}

async function serveLooked(ctx: RequestContext, decision: Cacheable, lease: Lease<StoreTransaction>): Promise<Served> {
  const tx = lease.handle;
  const found = tx.found();
  const decoded = found ? decodeStored(tx.userMetadata()) : null;
  if (decoded?.body === "http-cache") return throughHttpCache(ctx, decision, lease, decoded);
  if (decoded?.body === "pass" && !tx.mustInsertOrUpdate()) return passedByMarker(ctx, decision, decoded);
  // A pass marker this request must renew (soft-purged) is no copy: the origin is asked again.
  const stored = decoded?.body === "pass" ? null : decoded;
  const phase = decidePhase(factsOf(tx, stored?.times ?? null));

  if (stored && phase.action === "serve-fresh") return fromCache(ctx, decision, lease, stored, { state: "hit" });
  if (stored && phase.action === "serve-stale") {
    if (phase.refresh) ctx.event.waitUntil(lease.during(refresh(ctx, decision, tx, stored)));
    // Past stale-while-revalidate another request is asking the origin first; this one does not wait for it.
    return fromCache(ctx, decision, lease, stored, { state: "stale", fwd: "stale", note: staleServedNote(phase) });
  }
  if (stored && phase.action === "revalidate") {
    // Conditional, like a background refresh: an unchanged copy costs a 304, not its body again.
    const result = await fetchWithRetry(ctx, decision, { method: "GET", drop: answerShapingHeaders, headers: revalidationHeaders(stored) });
    if (result.ok && result.response.status === 304) {
      await result.response.body?.cancel();
      const updated = freshenedBy304(decision, tx, stored, result.response.headers);
      const age = originAgeSeconds(result.response.headers);
      if (updated) return fromCache(ctx, decision, lease, updated, { state: "miss", fwd: "stale", stored: true, ttl: updated.times.fresh - age, age, note: "revalidated" });
      tx.cancel();
      return fromCache(ctx, decision, lease, stored, { state: "stale", fwd: "stale", note: "revalidated" });
    }
    if (result.ok) return store(ctx, decision, lease, result.response, "stale");
    if (result.response) await result.response.body?.cancel();
    tx.cancel();
    return fromCache(ctx, decision, lease, stored, { state: "stale", fwd: "stale", note: "stale-if-error" });
  }

  if (phase.action !== "fetch") {
    // Another request holds the obligation and gave up; this one goes to the origin alone.
    const result = await fetchWithRetry(ctx, decision, { method: "GET", drop: answerShapingHeaders });
    return answerUncached(ctx, decision, result, { state: "miss", fwd: "uri-miss", origin: decision.origin });
  }
  const result = await fetchWithRetry(ctx, decision, { method: "GET", drop: answerShapingHeaders });
  if (!result.ok) {
    tx.cancel();
    return answerUncached(ctx, decision, result, {
      state: "miss",
      fwd: "uri-miss",
      origin: decision.origin,
      note: "origin-failed",
    });
  }
  return store(ctx, decision, lease, result.response, "uri-miss");
}

/**
 * Inserts a storable origin answer and streams it back out of the cache; else passes it. A body
 * of declared length is copied in chunk by chunk and counted (`fill`); a chunked one is appended
 * on the host, which fails the insert when its framing broke off, and read back (`verifyStored`).
 */
function store(
  ctx: RequestContext,
  decision: Cacheable,
  lease: Lease<StoreTransaction>,
  upstream: Response,
  fwd: "uri-miss" | "stale",
): Served {
  const tx = lease.handle;
  const policy = storePolicy(decision.origin, upstream.status, upstream.headers);
  const check = bodyCheck(upstream.status, upstream.headers);
  if (!policy.store || check === "unverifiable") {
    const reason = policy.store ? "length-unknown" : policy.reason;
    // Remembered (hit-for-pass) where there is no stale copy to keep: the next requests go to the
    // origin at once instead of queueing behind one another's obligation.
    if (fwd === "uri-miss") tx.insert(markerOptions(decision, passMarker(upstream, reason), [], new Headers())).close();
    else tx.cancel();
    return answerUncached(ctx, decision, { ok: true, response: upstream }, { state: "miss", fwd, origin: decision.origin, note: reason });
  }
  const stored = storedResponseFrom(upstream.status, upstream.headers, policy.times);
  if (bodyHome(check, upstream.headers) === "http-cache") {
    // Later requests find the marker and ask the readthrough cache; this one has the body already.
    tx.insert(markerOptions(decision, { ...stored, body: "http-cache" }, policy.surrogateKeys, upstream.headers)).close();
    const age = originAgeSeconds(upstream.headers);
    return originAnswer(ctx, upstream, stored, { state: "miss", fwd, stored: true, ttl: policy.times.fresh - age, age, origin: decision.origin, note: largeNote });
  }
  const [writer, inserted] = tx.insertAndStreamBack(insertOptions(decision, stored, policy.surrogateKeys, upstream));
  const entry = new Lease(inserted);
  let readBack: Promise<ReadBackResult> | undefined;
  if (check === "chunked") {
    if (upstream.body) writer.append(upstream.body);
    writer.close();
    readBack = verifyStored(ctx.store, decision, ctx.req.headers);
    // The transaction stays open until the insert is read back whole (or found cut).
    ctx.event.waitUntil(lease.during(readBack).then(() => undefined));
  } else {
    // The transaction stays open until its insert is written in full.
    ctx.event.waitUntil(lease.during(fill(ctx.store, writer, upstream, decision.cache.key)));
  }
  const age = originAgeSeconds(upstream.headers);
  try {
    return fromCache(
      ctx,
      decision,
      entry,
      stored,
      { state: "miss", fwd, stored: true, ttl: policy.times.fresh - age, age, hits: 0 },
      readBack
        ? async (delivered) => {
            const { verdict, bytes } = await readBack;
            return clientBodyEnds(delivered, verdict, bytes);
          }
        : undefined,
    );
  } finally {
    entry.release();
  }
}

interface ReadBackResult {
  readonly verdict: ReadBackVerdict;
  readonly bytes: number;
  /** The body read, when asked for and whole. */
  readonly body?: Uint8Array;
}

/** Whether an entry is one of the edge's (not an eviction's tombstone, not foreign). */
function isOurs(entry: StoreEntry): boolean {
  return decodeStored(entry.userMetadata()) !== null;
}

/** What a fresh lookup of `key` finds now (`Afterwards`); Vary'd entries need the request's headers. */
function afterwards(store: CacheStore, key: string, headers: Headers | undefined): Afterwards {
  const entry = store.lookup(key, headers);
  if (!entry) return null;
  const found = isOurs(entry) ? { length: entry.length() } : null;
  entry.close();
  return found;
}

/**
 * Reads the entry stored under `key` to its end (at most `chunkedReadBackLimit` bytes), then
 * looks it up afresh: only then is its length known, and only if its insert completed. The
 * reading handle's own length stays unknown (Viceroy), and a read of a failed insert ends like a
 * whole one in JavaScript, so the fresh lookup is the evidence (`readBackVerdict`).
 */
async function readBackOf(store: CacheStore, key: string, headers: Headers | undefined, keep: boolean, idleMs: number): Promise<ReadBackResult> {
  const entry = store.lookup(key, headers);
  if (!entry || !isOurs(entry)) {
    entry?.close();
    return { verdict: readBackVerdict({ seen: false, ended: "end", bytes: 0, after: null }), bytes: 0 };
  }
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  let ended: "end" | "failed" | "limit" = "end";
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    reader = entry.body().getReader();
    for (;;) {
      const { done, value } = await readWithin(reader, idleMs);
      if (done) break;
      bytes += value.byteLength;
      if (bytes > chunkedReadBackLimit) {
        ended = "limit";
        await reader.cancel();
        break;
      }
      if (keep) chunks.push(value);
    }
  } catch {
    // A failed read, or none for the origin's between-bytes timeout (a stalled insert).
    ended = "failed";
    reader?.cancel().catch(() => {});
  }
  closeNow(entry);
  const verdict = readBackVerdict({ seen: true, ended, bytes, after: afterwards(store, key, headers) });
  if (verdict !== "whole" || !keep) return { verdict, bytes };
  const body = new Uint8Array(bytes);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return { verdict, bytes, body };
}

/** The read-back of a chunked insert: a cut or unchecked copy is evicted, never served again. */
async function verifyStored(store: CacheStore, decision: Cacheable, headers: Headers): Promise<ReadBackResult> {
  const key = decision.cache.key;
  const result = await readBackOf(store, key, headers, false, origins[decision.origin].betweenBytesTimeout);
  if (result.verdict === "cut" || result.verdict === "too-long") {
    console.error(`cached chunked body of ${key} ${result.verdict === "cut" ? `broke off after ${result.bytes} bytes` : "is too long to check"}; evicted`);
    evict(store, key);
  }
  return result;
}

function insertOptions(
  decision: Cacheable,
  stored: StoredResponse,
  originKeys: readonly string[],
  upstream: Response,
) {
  const length = Number(upstream.headers.get("content-length") ?? "");
  return {
    ...cacheTimesOf(decision, stored, originKeys, upstream.headers),
    ...(Number.isSafeInteger(length) && length >= 0 && upstream.headers.has("content-length") ? { length } : {}),
  };
}

/**
 * The options an insert and an update share: the times, the origin's Age as the initial age
 * (RFC 9111 §4.2.3: the copy is as old as the origin says), the Vary names Core Cache matches
 * later lookups on (§4.1), the surrogate keys and the stored response.
 */
function cacheTimesOf(decision: Cacheable, stored: StoredResponse, originKeys: readonly string[], upstream: Headers) {
  const { maxAgeMs, staleMs } = retention(stored.times);
  const vary = varyOf(storedHeaders(stored));
  return {
    maxAge: maxAgeMs,
    staleWhileRevalidate: staleMs,
    initialAge: originAgeSeconds(upstream) * 1000,
    ...(vary.kind === "headers" ? { vary: [...vary.names] } : {}),
    surrogateKeys: [decision.cache.surrogateKey, ...originKeys],
    userMetadata: encodeStored(stored),
  };
}

/**
 * Copies the origin body into the cache. A body that ends early or errors is abandoned, so a
 * truncated object is never stored as complete.
 */
async function fill(
  store: CacheStore,
  writer: StoreWriter,
  upstream: Response,
  key: string,
): Promise<void> {
  const expected = upstream.headers.has("content-length") ? Number(upstream.headers.get("content-length")) : null;
  let received = 0;
  try {
    if (upstream.body) {
      const reader = upstream.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.byteLength;
        writer.append(value);
      }
    }
    if (expected !== null && received !== expected) throw new Error(`got ${received} of ${expected} bytes`);
    writer.close();
  } catch (error) {
    console.error(`cache fill of ${key} abandoned: ${String(error)}`);
    writer.abandon();
    evict(store, key);
  }
}

/** Background refresh of a stale copy: conditional when the origin gave validators. */
async function refresh(
  ctx: RequestContext,
  decision: Cacheable,
  tx: StoreTransaction,
  stored: StoredResponse,
): Promise<void> {
  const result = await fetchWithRetry(ctx, decision, {
    method: "GET",
    drop: answerShapingHeaders,
    headers: revalidationHeaders(stored),
  });
  if (!result.ok) {
    if (result.response) await result.response.body?.cancel();
    tx.cancel();
    return;
  }
  const upstream = result.response;
  if (upstream.status === 304) {
    await upstream.body?.cancel();
    if (freshenedBy304(decision, tx, stored, upstream.headers)) return;
    // The updated response may not be kept (a 304 that says no-store, private…): the old copy
    // must not be served again either, so it goes.
    tx.cancel();
    evict(ctx.store, decision.cache.key);
    return;
  }
  const policy = storePolicy(decision.origin, upstream.status, upstream.headers);
  const check = bodyCheck(upstream.status, upstream.headers);
  if (!policy.store || check === "unverifiable") {
    await upstream.body?.cancel();
    tx.cancel();
    return;
  }
  const fresh = storedResponseFrom(upstream.status, upstream.headers, policy.times);
  if (bodyHome(check, upstream.headers) === "http-cache") {
    await upstream.body?.cancel();
    tx.insert(markerOptions(decision, { ...fresh, body: "http-cache" }, policy.surrogateKeys, upstream.headers)).close();
    return;
  }
  if (check === "chunked") {
    // Checked on the side first, so a cut refresh never replaces the stale copy: appended on the
    // host to an entry of its own, read back, and only a whole body goes into the real insert.
    const scratch = `chunked-refresh ${ctx.requestId}`;
    const side = ctx.store.insert(scratch, { maxAge: 60_000, userMetadata: encodeStored(fresh) });
    if (upstream.body) side.append(upstream.body);
    side.close();
    const checked = await readBackOf(ctx.store, scratch, undefined, true, origins[decision.origin].betweenBytesTimeout);
    evict(ctx.store, scratch);
    if (!checked.body) {
      console.error(`refresh of ${decision.cache.key} dropped: its chunked body was ${checked.verdict}; the stale copy stays`);
      tx.cancel();
      return;
    }
    const writer = tx.insert({ ...insertOptions(decision, fresh, policy.surrogateKeys, upstream), length: checked.body.byteLength });
    if (checked.body.byteLength > 0) writer.append(checked.body);
    writer.close();
    return;
  }
  const declared = Number(upstream.headers.get("content-length") ?? "0");
  // Nobody waits for a refresh, so its body is read whole first: a cut one is dropped and the
  // stale copy stays in place, instead of being overwritten by a body that then breaks.
  const body = await wholeBody(upstream, declared);
  if (!body) {
    console.error(`refresh of ${decision.cache.key} dropped: the origin body broke off; the stale copy stays`);
    tx.cancel();
    return;
  }
  const writer = tx.insert(insertOptions(decision, fresh, policy.surrogateKeys, upstream));
  if (body.byteLength > 0) writer.append(body);
  writer.close();
}

/** The whole body, or null when it failed or did not give exactly `declared` bytes. */
async function wholeBody(upstream: Response, declared: number): Promise<Uint8Array | null> {
  const whole = new Uint8Array(declared);
  let received = 0;
  if (!upstream.body) return declared === 0 ? whole : null;
  const reader = upstream.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (received + value.byteLength > declared) {
        await reader.cancel();
        return null;
      }
      whole.set(value, received);
      received += value.byteLength;
    }
  } catch {
    return null;
  }
  return received === declared ? whole : null;
}

/**
 * The stored copy updated by the origin's 304 and made fresh again, or null when the updated
 * headers may no longer be stored (nothing is updated). RFC 9111 §4.3.4: the 304's headers
 * replace the stored ones of the same name; the times follow the updated headers (a new
 * Surrogate-Control), as a fresh store would.
 */
function freshenedBy304(decision: Cacheable, tx: StoreTransaction, stored: StoredResponse, notModified: Headers): StoredResponse | null {
  const merged = freshenedWith(stored, notModified, stored.times);
  const policy = storePolicy(decision.origin, merged.status, storedHeaders(merged));
  if (!policy.store) return null;
  const updated = { ...merged, times: policy.times };
  tx.update(cacheTimesOf(decision, updated, storedSurrogateKeys(updated), notModified));
  return updated;
}

function storedSurrogateKeys(stored: StoredResponse): string[] {
  const header = storedHeader(stored, "surrogate-key");
  return header ? header.split(/\s+/).filter(Boolean) : [];
}

/** Cache-Status detail of an answer whose body is the readthrough cache's (src/engine/assets.ts says the same). */
const largeNote = "larger-than-an-answer http-cache";

/** The insert of a marker entry (`StoredResponse.body`): its metadata and times, no body. */
function markerOptions(decision: Cacheable, marker: StoredResponse, originKeys: readonly string[], upstream: Headers) {
  return { ...cacheTimesOf(decision, marker, originKeys, upstream), length: 0 };
}

/**
 * A hit-for-pass marker: the response's Vary (so only the variants it was about pass) and the
 * reason, for `hitForPassSeconds`, never stale; inserted under the URL's surrogate key only (a
 * purge of the URL clears it) and as new (age 0).
 */
function passMarker(upstream: Response, reason: string): StoredResponse {
  const vary = upstream.headers.get("vary");
  return {
    status: upstream.status,
    headers: vary !== null ? [["vary", vary]] : [],
    times: { fresh: hitForPassSeconds, staleWhileRevalidate: 0, staleIfError: 0 },
    body: "pass",
    passReason: reason,
  };
}

/**
 * A request that finds a hit-for-pass marker: the client's own request (its Range and validators
 * included, since nothing of the answer is kept), straight to the origin, retried like any
 * cacheable request's, the origin's answer passed on.
 */
async function passedByMarker(ctx: RequestContext, decision: Cacheable, marker: StoredResponse): Promise<Served> {
  const result = await fetchWithRetry(ctx, decision, { pass: true });
  return answerUncached(ctx, decision, result, { state: "pass", fwd: "bypass", origin: decision.origin, note: `hit-for-pass ${marker.passReason ?? "unstorable"}` });
}

/**
 * A request whose stored entry is a marker: the body comes from Fastly's readthrough HTTP cache
 * (in production a hit there, on the host; under Viceroy, which has none, the origin), kept with
 * the marker's times, with stale-while-revalidate, and purged by the same surrogate keys. The
 * readthrough cache keeps its copy fresh itself; the request that holds the marker's obligation
 * (it went stale) stores what the readthrough cache answers, a marker again or, if the body
 * is small now, the body. js-compute 3.46 gives the readthrough cache no stale-if-error, so an
 * origin failure it cannot cover is passed on (docs/caching.md).
 */
async function throughHttpCache(ctx: RequestContext, decision: Cacheable, lease: Lease<StoreTransaction>, marker: StoredResponse): Promise<Served> {
  const tx = lease.handle;
  const obliged = tx.mustInsertOrUpdate();
  const readthrough = {
    ttl: marker.times.fresh,
    swr: marker.times.staleWhileRevalidate,
    surrogateKeys: [decision.cache.surrogateKey, ...storedSurrogateKeys(marker)],
  };
  const result = await fetchWithRetry(ctx, decision, { method: "GET", drop: answerShapingHeaders, readthrough });
  const cache: CacheOutcome = { state: "pass", fwd: "bypass", origin: decision.origin, note: largeNote };
  if (!result.ok) {
    if (obliged) tx.cancel();
    return answerUncached(ctx, decision, result, { ...cache, note: `${largeNote} origin-failed` });
  }
  if (obliged) return store(ctx, decision, lease, result.response, "stale");
  return originAnswer(ctx, result.response, storedResponseFrom(result.response.status, result.response.headers, marker.times), cache);
}

/**
 * An origin (or readthrough cache) answer to a cacheable request, its body handed to the host:
 * the client's validators checked against it first (RFC 9110 §13.2.2), as against a stored copy.
 */
function originAnswer(ctx: RequestContext, upstream: Response, stored: StoredResponse, cache: CacheOutcome): Served {
  const precondition = preconditionAnswer(ctx, stored);
  if (precondition) {
    void upstream.body?.cancel();
    return { response: precondition, cache };
  }
  const headers = withoutConnectionSpecific(upstream.headers);
  if (ctx.req.method === "HEAD" || isNullBodyStatus(upstream.status)) {
    void upstream.body?.cancel();
    if (isNullBodyStatus(upstream.status)) headers.delete("content-length");
    return { response: new Response(null, { status: upstream.status, headers, manualFramingHeaders: true }), cache };
  }
  return { response: new Response(upstream.body, { status: upstream.status, headers, manualFramingHeaders: headers.has("content-length") }), cache, hostBody: true };
}

/**
 * RFC 9110 §13.2.2: the client's validators against those of `stored` (a stored copy, or an
 * origin answer read as one): a 304, without a body or Content-Length (§15.4.5), or a 412;
 * null when the request gets the representation.
 */
function preconditionAnswer(ctx: RequestContext, stored: StoredResponse): Response | null {
  const answer = storedAnswer(ctx.req.method, ctx.req.headers, stored);
  if (answer.kind === "not-modified") return new Response(null, { status: 304, headers: new Headers(answer.headers as [string, string][]) });
  if (answer.kind === "precondition-failed") return new Response(null, { status: 412 });
  return null;
}

/** A response served out of a cache entry (a hit, a stale copy, or a miss streaming back). */
function fromCache(
  ctx: RequestContext,
  decision: Cacheable,
  /** Held by the caller, who releases it; a body out of it holds it until the body ends. */
  lease: Lease<StoreEntry>,
  stored: StoredResponse,
  outcome: Omit<CacheOutcome, "origin">,
  /** For the miss that inserts a chunked body: whether its client may have the body's end. */
  mayEnd?: (delivered: number) => Promise<boolean>,
): Served {
  const entry = lease.handle;
  const age = outcome.age ?? entry.age() / 1000;
  // Left out, not made up, where the platform cannot count (Viceroy).
  const hits = outcome.hits ?? entry.hits();
  const cache: CacheOutcome = {
    ...outcome,
    origin: decision.origin,
    age,
    ttl: outcome.ttl ?? stored.times.fresh - age,
    ...(hits !== undefined ? { hits } : {}),
  };
  // The cached body is left unread when the client's validators answer the request.
  const precondition = preconditionAnswer(ctx, stored);
  if (precondition) return { response: precondition, cache };
  const headers = storedHeaders(stored);
  if (isNullBodyStatus(stored.status)) {
    // RFC 9110 §8.6, §15.3.5: no body and no Content-Length for 204 and the like.
    headers.delete("content-length");
    return { response: new Response(null, { status: stored.status, headers }), cache };
  }
  const length = entry.length();
  if (length !== null) headers.set("content-length", String(length));
  if (ctx.req.method === "HEAD") {
    // RFC 9110 §9.3.2: HEAD carries the Content-Length a GET would have; the runtime drops it
    // from a bodyless response unless told the framing headers are ours.
    return { response: new Response(null, { status: stored.status, headers, manualFramingHeaders: true }), cache };
  }
  if (length !== null) return { response: new Response(lease.body(entry.body()), { status: stored.status, headers }), cache };
  // A chunked insert still streaming in (this request's, or one it was collapsed onto; Viceroy
  // also shows a failed one this way): its end is given only once the cache vouches for it.
  const key = decision.cache.key;
  const vouch =
    mayEnd ??
    (async (delivered: number) => {
      const after = afterwards(ctx.store, key, ctx.req.headers);
      if (endVerdict(delivered, after) === "whole") return true;
      console.error(`cached chunked body of ${key} broke off after ${delivered} bytes while read`);
      if (after !== null) evict(ctx.store, key);
      return false;
    });
  const body = lease.body(vouchedBody(entry.body(), vouch, origins[decision.origin].betweenBytesTimeout));
  return { response: new Response(body, { status: stored.status, headers }), cache };
}

/** An origin answer that is not stored: passed as it is, or a short 503/504 when there was none. */
function answerUncached(
  ctx: RequestContext,
  decision: Cacheable,
  result: OriginResult,
  cache: CacheOutcome,
): Served {
  const upstream = result.response;
  if (!upstream) {
    const status = result.ok ? 503 : statusWithoutAnswer(result.failure, origins[decision.origin]);
    return { response: originUnavailable(decision.origin, status), cache };
  }
  return { response: relayedAnswer(upstream, ctx.req.method === "HEAD"), cache, hostBody: true };
}
