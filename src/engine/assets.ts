// Every assets-host object (stylesheets, images, every mp3): served from the segmented store
// (src/engine/asset-store.ts) with RFC 9110 ranges and preconditions (src/http/asset-answer.ts).
// The object entry says what the object is; a request maps to segments; missing segments come
// from R2 one request each, shared by concurrent clients, streamed while they are stored.
//
// Decisions, in order:
// - object entry fresh, or being revalidated by another request: answer from it;
// - stale within stale-while-revalidate: answer from it, revalidate in the background;
// - stale-if-error phase: revalidate first (If-None-Match), answer from it if the origin fails;
// - no entry: one ranged request for the segment the answer starts in tells size, validators and
//   headers, and brings that segment;
// - origin 404/410 (and other storable non-2xx): passed through, stored for at most 60 s
//   (src/cache/asset-object.ts); 5xx or no answer: retried once, then stale if there is a copy,
//   else the origin's answer or a 503; uncacheable answers (private, no validators, Range
//   ignored): the client's own request passed through.

import { boundaryFrom } from "../http/multipart.js";
import { answerAsset, type AssetAnswer } from "../http/asset-answer.js";
import { deliveryFor, writtenBodyBytes, type ContentAnswer } from "../cache/asset-delivery.js";
import { answerShapingHeaders } from "../http/origin-request.js";
import { closeNow, closingWith } from "../cache/handle-lifetime.js";
import { answerWithRetry } from "./origin-retry.js";
import { parseRangeHeader } from "../http/range.js";
import { fitsInEntry, freshenedBy304, passMarker, readSegmentAnswer, revalidationHeadersOf, type StoredAnswer, type StoredMetadata, type StoredObject } from "../cache/asset-object.js";
import type { CacheOutcome, ForwardReason } from "../cache/outcome.js";
import { staleServedNote } from "../cache/phase.js";
import { originAgeSeconds } from "../cache/stored-response.js";
import { segmentSizeFor, throughShield, tierSurrogateControl } from "../cache/tiers.js";
import { prefetchBytes, streamPlan } from "../cache/segment-stream.js";
import { maxKeyLength, segmentBytes, segmentIndexOf, segmentLength, segmentsOf, storeKeys, type PlannedPiece, type SegmentSlice } from "../cache/segments.js";
import type { CachePlacement, ToOrigin } from "../decision.js";
import type { RequestContext } from "./context.js";
import { originUnavailable } from "../http/origin-failure.js";

import { passToOrigin } from "./pass.js";
import { relayedAnswer } from "./relayed-answer.js";
import {
  countCached,
  fetchSegment,
  fetchSliceRest,
  freshenObject,
  insertAnswer,
  insertObject,
  insertObjectWithBytes,
  lookupObject,
  openSegment,
  readSlice,
  release,
  repairSegment,
  reopenBytesInEntry,
  replaceObject,
  segmentInEntry,
  SegmentUnavailable,
  statusFor,
  storeArrivedSegment,
  verifySegment,
  VersionChanged,
  type ObjectLookup,
  type OpenSegment,
} from "./asset-store.js";
import type { Served } from "./served.js";

type AssetDecision = ToOrigin & { cache: CachePlacement };

/** How the object entry was obtained for this request; becomes Cache-Status. */
interface ObjectSource {
  readonly object: StoredObject;
  readonly state: "hit" | "stale" | "miss";
  readonly fwd?: ForwardReason;
  readonly stored: boolean;
  readonly ttl: number;
  readonly age: number;
  readonly hits?: number;
  readonly notes: string[];
  /** A segment that arrived with the object's metadata, ready to read once. */
  readonly arrived?: OpenSegment;
  /** The object's one segment, in the object entry itself (`bytesInEntry`): every slice reads it. */
  readonly inEntry?: OpenSegment;
}

export async function serveAsset(ctx: RequestContext, decision: AssetDecision): Promise<Served> {
  const method = ctx.req.method;
  if (method !== "GET" && method !== "HEAD") return passToOrigin(ctx, decision);
  if (storeKeys.segment(decision.cache.key, "v".repeat(256), 99_999, segmentBytes).length > maxKeyLength) {
    return passThrough(ctx, decision, "key-too-long");
  }
  try {
    return await serveFromStore(ctx, decision, method, true);
  } catch (error) {
    console.error(`assets ${decision.cache.key}: ${String(error)}`);
    return { response: originUnavailable("assets"), cache: { state: "miss", fwd: "uri-miss", origin: "assets", note: "store-error" } };
  }
}

async function serveFromStore(ctx: RequestContext, decision: AssetDecision, method: "GET" | "HEAD", mayRetry: boolean): Promise<Served> {
  const lookup = await lookupObject(ctx.store, decision.cache.key, ctx.req.headers);
  let found: Found;
  try {
    found = await objectFor(ctx, decision, lookup, method);
  } catch (error) {
    release(lookup.entry);
    throw error;
  } finally {
    // Closed now unless a stored answer's body or a revalidation still uses it.
    lookup.lease.release();
  }
  if ("served" in found) return found.served;
  const source = found.source;
  // Segments this request stores are read back in the background unless the client read them in
  // full (src/engine/asset-store.ts, verifySegment); a broken one is replaced.
  const checks = new SegmentChecks(ctx, decision, source.object);
  if (source.arrived) checks.stored(source.arrived);
  if (source.inEntry) checks.stored(source.inEntry);
  const opened: Promise<OpenSegment>[] = [];
  try {
    return await answerFrom(ctx, decision, method, mayRetry, source, checks, opened);
  } catch (error) {
    // Whatever failed before a body took over: what this request opened is still checked and closed.
    checks.settle(opened);
    throw error;
  }
}

/** The answer to this request out of the object entry `source`, its segments opened as needed. */
async function answerFrom(
  ctx: RequestContext,
  decision: AssetDecision,
  method: "GET" | "HEAD",
  mayRetry: boolean,
  source: ObjectSource,
  checks: SegmentChecks,
  opened: Promise<OpenSegment>[],
): Promise<Served> {
  const asked = answerAsset(method, ctx.req.headers, source.object, newBoundary);
  const delivery =
    asked.kind === "content"
      ? deliveryFor(asked, source.object, () => answerAsset(method, withoutRange(ctx.req.headers), source.object, newBoundary) as ContentAnswer)
      : null;
  if (delivery?.kind === "whole") {
    // A 200 larger than the store may write is the origin's body, which leaves on the host
    // (src/cache/asset-delivery.ts).
    checks.settle([]);
    return wholeFromHttpCache(ctx, decision, source.object, delivery.reason);
  }
  const answer = delivery ? delivery.answer : asked;
  const notes = [...source.notes];
  if (answer.kind === "content" && answer.rangeIgnored) notes.push(`range-ignored=${answer.rangeIgnored}`);
  if (delivery?.kind === "written" && delivery.bounded) notes.push("range-bounded");
  const plan: readonly PlannedPiece[] = delivery?.kind === "written" ? delivery.plan : [];
  const segments = segmentsOf(plan);
  // The segment that came with the object's metadata is in the cache now, but was not before.
  const arrivedNow = source.arrived && !source.arrived.cached && segments.includes(source.arrived.index) ? 1 : 0;
  const cached = source.inEntry
    ? source.inEntry.cached
      ? segments.length
      : 0
    : countCached(ctx.store, decision.cache.key, source.object, segments) - arrivedNow;
  const allCached = cached === segments.length;
  if (segments.length > 0) notes.push(`segments=${cached}/${segments.length}`);

  // The object entry was a hit, but some of the bytes this answer needs were not.
  const incomplete = source.state === "hit" && !allCached;
  const outcome: CacheOutcome = {
    state: incomplete ? "miss" : source.state,
    ...(incomplete ? { fwd: cached > 0 ? ("partial" as const) : ("miss" as const) } : source.fwd ? { fwd: source.fwd } : {}),
    stored: source.stored || !allCached,
    ttl: source.ttl,
    age: source.age,
    ...(source.hits !== undefined ? { hits: source.hits } : {}),
    origin: "assets",
    ...(notes.length > 0 ? { note: notes.join(" ") } : {}),
  };

  if (answer.kind !== "content") {
    checks.settle([]);
    return { response: plainAnswer(ctx, answer), cache: outcome };
  }
  const headers = withDebugKeys(ctx, source.object, decision, answer.headers);
  // Content-Length is the representation's (or the part's) length, for HEAD too (RFC 9110
  // §8.6, §9.3.2); manual framing keeps it instead of the platform's chunked encoding.
  if (plan.length === 0) {
    checks.settle([]);
    return { response: new Response(null, { status: answer.status, headers, manualFramingHeaders: true }), cache: outcome };
  }

  // The arrived segment is read once, by the first slice of it; every other slice opens its own.
  // So are bytes in the object entry: a second part of a multipart answer takes another handle.
  let arrived = source.arrived ?? source.inEntry;
  const open = async (slice: SegmentSlice): Promise<OpenSegment> => {
    if (source.inEntry && arrived === undefined) return checks.stored(reopenBytesInEntry(ctx.store, decision.cache.key, source.object, ctx.req.headers));
    if (arrived && slice.index === arrived.index) {
      const ready = arrived;
      arrived = undefined;
      return ready;
    }
    const opening = openSegment(ctx, decision, source.object, slice.index).then((segment) => checks.stored(segment));
    opened.push(opening);
    return opening;
  };

  // The first slice is opened before answering, so that an origin failure there can still
  // become a proper status instead of a cut-off body.
  const firstSlice = plan.find((p): p is SegmentSlice => p.kind === "segment")!;
  let first: ReadableStream<Uint8Array>;
  try {
    first = readSlice(await open(firstSlice), firstSlice, source.object);
  } catch (error) {
    checks.settle(opened);
    const failure: CacheOutcome = { ...outcome, state: "miss", fwd: "miss", note: "origin-error" };
    if (error instanceof VersionChanged && mayRetry) {
      // The origin has a new version the object entry does not know yet: record it and start over.
      replaceObject(ctx.store, decision.cache.key, error.object, decision.cache.surrogateKey, ctx.req.headers);
      return serveFromStore(ctx, decision, method, false);
    }
    console.error(`assets ${decision.cache.key}: ${String(error)}`);
    if (error instanceof SegmentUnavailable && error.response) {
      return { response: relayedAnswer(error.response, method === "HEAD"), cache: failure, hostBody: true };
    }
    return { response: originUnavailable("assets", statusFor(error)), cache: failure };
  }
  // The body is written by the program, one chunk at a time (the runtime would read a cache
  // entry's body through JavaScript anyway, docs/mp3.md): streamPlan checks each segment gives
  // exactly its bytes, has a broken stored segment replaced, and says which were read in full.
  const body = streamPlan(plan, async (slice) => readSlice(await open(slice), slice, source.object), {
    first,
    onBroken: (slice, error) => checks.broken(slice, error),
    // A stored copy that breaks mid-read (its insert failed, or an earlier one did) costs the
    // listener nothing: the rest of that slice comes straight from the origin.
    resume: (slice, delivered) => fetchSliceRest(ctx, decision, source.object, slice, delivered),
    onSliceDone: (slice) => checks.readInFull(slice),
    window: windowFor(ctx, source.object),
    onEnd: () => checks.settle(opened),
  });
  return { response: new Response(body, { status: answer.status, headers, manualFramingHeaders: true }), cache: outcome };
}

/**
 * What happens to the segments one request stores: a slice read in full by the client proves
 * its segment whole; one that broke is replaced at once; when the body ends, every other segment
 * stored here (read partly, opened ahead, or not part of the answer) is read back and replaced
 * if it broke. All of it runs in `waitUntil`, after the answer.
 */
class SegmentChecks {
  private readonly inserted = new Set<number>();
  private readonly done = new Set<number>();
  /** Every segment this answer opened, closed once the body has ended and the checks ran. */
  private readonly open: OpenSegment[] = [];
  private closed = false;
  private settled = false;

  constructor(
    private readonly ctx: RequestContext,
    private readonly decision: AssetDecision,
    private readonly object: StoredObject,
  ) {}

  stored(segment: OpenSegment): OpenSegment {
    if (!segment.cached) this.inserted.add(segment.index);
    if (this.closed) segment.close();
    else this.open.push(segment);
    return segment;
  }

  readInFull(slice: SegmentSlice): void {
    if (slice.start === 0 && slice.end === segmentLength(slice.index, this.object.size, this.object.segment) - 1) this.done.add(slice.index);
  }

  broken(slice: SegmentSlice, error: unknown): void {
    console.error(`assets ${this.decision.cache.key}: segment ${slice.index} broke: ${String(error)}`);
    if (this.done.has(slice.index)) return;
    this.done.add(slice.index);
    this.background(repairSegment(this.ctx, this.decision, this.object, slice.index));
  }

  /** The body has ended (or there is none): check what is left, once the opens in flight land. */
  settle(opening: readonly Promise<OpenSegment>[]): void {
    if (this.settled) return;
    this.settled = true;
    this.background(
      Promise.allSettled(opening).then(async () => {
        try {
          for (const index of this.inserted) {
            if (this.done.has(index)) continue;
            this.done.add(index);
            await verifySegment(this.ctx, this.decision, this.object, index);
          }
        } finally {
          // After the checks, which read each insert back to its end: by then the host is done
          // writing every segment this answer inserted, and nothing reads them any more.
          this.closed = true;
          for (const segment of this.open.splice(0)) segment.close();
        }
      }),
    );
  }

  private background(work: Promise<void>): void {
    this.ctx.event.waitUntil(work.catch((error) => console.error(`assets ${this.decision.cache.key}: ${String(error)}`)));
  }
}

/**
 * Segments opened ahead of the one being sent: enough for `prefetchBytes` in flight at this
 * object's segment size (one for segments of 8 MiB and more), and never more than the
 * execution's backend budget leaves after the rest of the answer's segments.
 */
function windowFor(ctx: RequestContext, object: StoredObject): number {
  const wanted = Math.max(1, Math.ceil(prefetchBytes / object.segment));
  return Math.max(0, Math.min(wanted, ctx.backends.left - 1));
}

/** 304, 412 and 416: no representation body. */
function plainAnswer(ctx: RequestContext, answer: Exclude<AssetAnswer, { kind: "content" }>): Response {
  if (answer.kind === "not-modified") return new Response(null, { status: 304, headers: answer.headers });
  return new Response(ctx.req.method === "HEAD" ? null : answer.body, { status: answer.status, headers: answer.headers });
}

/**
 * Fastly-Debug shows the surrogate keys the object is stored under (spec: Caching). A POP of this
 * service asking the shield gets the object's own keys and the times the shield keeps it under
 * (src/cache/tiers.ts), so the POP stores it alike; its URL key the POP adds itself.
 */
function withDebugKeys(ctx: RequestContext, object: StoredObject, decision: AssetDecision, headers: Record<string, string>): Headers {
  const out = new Headers(headers);
  if (ctx.tier.fromPop) {
    out.set("surrogate-control", tierSurrogateControl(object.times));
    if (object.surrogateKeys.length > 0) out.set("surrogate-key", object.surrogateKeys.join(" "));
  } else if (ctx.req.headers.has("fastly-debug")) {
    out.set("surrogate-key", [decision.cache.surrogateKey, ...object.surrogateKeys].join(" "));
  }
  return out;
}

/** The size this execution cuts an object it does not know yet into (src/cache/tiers.ts). */
function cutFor(ctx: RequestContext): number {
  return segmentSizeFor(throughShield(ctx.tier, "assets"));
}

/** The segment the answer will start in: where the client's first range begins, else 0. */
function firstWantedSegment(ctx: RequestContext, method: string, cut: number): number {
  if (method !== "GET") return 0;
  const specs = parseRangeHeader(ctx.req.headers.get("range"));
  const first = specs?.[0];
  return first && first.kind === "from" ? segmentIndexOf(first.first, cut) : 0;
}

type Found = { source: ObjectSource } | { served: Served };

/** The object entry for this request: found, revalidated or fetched, or an answer already made. */
async function objectFor(ctx: RequestContext, decision: AssetDecision, lookup: ObjectLookup, method: "GET" | "HEAD"): Promise<Found> {
  if (lookup.stored?.kind === "pass" && !lookup.obligated) {
    // Hit-for-pass: the object cannot be stored, so this request goes straight to the origin.
    return { served: await passThrough(ctx, decision, `hit-for-pass ${lookup.stored.reason}`) };
  }
  // A pass marker this request must renew is no copy: ask the origin again whether it can be stored.
  const stored = lookup.stored?.kind === "pass" ? null : lookup.stored;
  const fromCache = (object: StoredObject, state: "hit" | "stale", notes: string[] = []): Found => ({
    source: { object, state, stored: false, ttl: lookup.ttlSeconds, age: lookup.ageSeconds, hits: lookup.hits, notes, ...bytesOf(lookup, object) },
  });

  const phase = lookup.phase;
  if (stored && (phase.action === "serve-fresh" || (phase.action === "serve-stale" && !phase.refresh))) {
    if (stored.kind === "answer") return { served: storedAnswer(ctx, lookup, stored) };
    return phase.action === "serve-fresh" ? fromCache(stored, "hit") : fromCache(stored, "stale", [staleServedNote(phase)]);
  }
  if (stored && phase.action === "serve-stale") {
    ctx.event.waitUntil(lookup.lease.during(revalidate(ctx, decision, lookup, stored)).catch((e) => console.error(`revalidate: ${String(e)}`)));
    if (stored.kind === "answer") return { served: storedAnswer(ctx, lookup, stored) };
    return fromCache(stored, "stale", [staleServedNote(phase)]);
  }
  if (phase.action !== "revalidate" && phase.action !== "fetch") {
    // Found nothing usable and not asked to fetch (the entry is undecodable, or the request that
    // held the obligation gave it up): go straight through.
    return { served: await passThrough(ctx, decision, "store-unreadable") };
  }

  // This request fetches: there is no copy, or the copy is only good if the origin fails.
  const staleCopy = phase.action === "revalidate" ? stored : null;
  // A first GET for the whole object asks the origin for the whole object, and learns it from that.
  if (!staleCopy && method === "GET" && !ctx.req.headers.has("range")) return learnWhole(ctx, decision, lookup);
  const cut = cutFor(ctx);
  const want = staleCopy?.kind === "object" ? 0 : firstWantedSegment(ctx, method, cut);
  const conditional = staleCopy ? revalidationHeadersOf(staleCopy) : undefined;
  let response: Response;
  try {
    response = await fetchSegment(ctx, decision, want, { cut }, conditional);
  } catch (error) {
    console.error(`assets ${decision.cache.key}: origin unreachable: ${String(error)}`);
    return failed(ctx, lookup, staleCopy, null, statusFor(error));
  }
  if (response.status >= 500) return failed(ctx, lookup, staleCopy, response);
  const age = originAgeSeconds(response.headers);
  if (response.status === 304 && staleCopy) {
    await response.body?.cancel();
    const updated = freshenedBy304(staleCopy, response.headers);
    if (updated.kind === "pass") {
      // The origin now says the object may not be kept: remembered, and passed like a new one.
      insertObject(lookup, updated, decision.cache.surrogateKey);
      return { served: await passThrough(ctx, decision, updated.reason) };
    }
    freshenObject(lookup, updated, decision.cache.surrogateKey, age);
    if (updated.kind === "answer") return { served: storedAnswer(ctx, lookup, updated) };
    return {
      source: { object: updated, state: "miss", fwd: "stale", stored: true, ttl: updated.times.fresh - age, age, notes: ["revalidated"], ...bytesOf(lookup, updated) },
    };
  }

  const read = readSegmentAnswer(response.status, response.headers, want, cut);
  if (read.kind === "pass") {
    // Remembered (hit-for-pass), so the next requests cost one origin request each, not two.
    insertObject(lookup, passMarker(read.reason), decision.cache.surrogateKey);
    await response.body?.cancel();
    return { served: await passThrough(ctx, decision, read.reason) };
  }
  if (read.kind === "answer") return { served: storeAnswer(lookup, decision, read.answer, response, method, staleCopy ? "stale" : "uri-miss") };
  const fwd = staleCopy ? ("stale" as const) : ("uri-miss" as const);
  const notes = staleCopy ? ["revalidated"] : [];
  if (read.segment === 0 && fitsInEntry(read.object) && response.body) {
    // One segment: headers and bytes in one entry, so requests waiting on it wake to both.
    const { object, inEntry } = insertObjectWithBytes(lookup, read.object, response.body, decision.cache.surrogateKey, age);
    return { source: { object, state: "miss", fwd, stored: true, ttl: object.times.fresh - age, age, notes, inEntry } };
  }
  // The object: store the segment that came with it first, so requests waiting on the object
  // entry find the segment when they wake.
  let arrived: OpenSegment | undefined;
  if (read.segment !== null) {
    arrived = await storeArrivedSegment(ctx.store, decision.cache.key, read.object, read.segment, response, decision.cache.surrogateKey);
  } else {
    await response.body?.cancel();
  }
  try {
    insertObject(lookup, read.object, decision.cache.surrogateKey, age);
  } catch (error) {
    arrived?.close();
    throw error;
  }
  return {
    source: {
      object: read.object,
      state: "miss",
      fwd,
      stored: true,
      ttl: read.object.times.fresh - age,
      age,
      notes,
      ...(arrived ? { arrived } : {}),
    },
  };
}

/**
 * A cold object asked for whole: one origin request for the whole object (its Range and
 * validators removed; the readthrough HTTP cache passed, since nothing is known yet of what it may
 * keep), which tells the store the object's size, validators and headers, and whose body is the
 * client's answer, on the host. Its segments come with the first ranges. A no-store object
 * leaves a hit-for-pass marker; a 404 is stored whole as from a segment request.
 */
async function learnWhole(ctx: RequestContext, decision: AssetDecision, lookup: ObjectLookup): Promise<Found> {
  const cut = cutFor(ctx);
  let response: Response;
  try {
    response = await answerWithRetry(ctx, decision, { method: "GET", drop: answerShapingHeaders });
  } catch (error) {
    console.error(`assets ${decision.cache.key}: origin unreachable: ${String(error)}`);
    return failed(ctx, lookup, null, null, statusFor(error));
  }
  if (response.status >= 500) return failed(ctx, lookup, null, response);
  const read = readSegmentAnswer(response.status, response.headers, "whole", cut);
  if (read.kind === "pass") {
    insertObject(lookup, passMarker(read.reason), decision.cache.surrogateKey);
    return { served: { response: relayedAnswer(response, false), cache: { state: "pass", fwd: "bypass", origin: "assets", note: read.reason }, hostBody: true } };
  }
  if (read.kind === "answer") return { served: storeAnswer(lookup, decision, read.answer, response, "GET", "uri-miss") };
  const object = read.object;
  const age = originAgeSeconds(response.headers);
  if (object.size <= writtenBodyBytes && fitsInEntry(object) && response.body) {
    // Small enough to be an answer from the store: the whole body is its one segment, kept in the
    // object entry and read back from it, so the next client finds headers and bytes in one lookup.
    const { object: stored, inEntry } = insertObjectWithBytes(lookup, object, response.body, decision.cache.surrogateKey, age);
    return { source: { object: stored, state: "miss", fwd: "uri-miss", stored: true, ttl: object.times.fresh - age, age, notes: [], inEntry } };
  }
  insertObject(lookup, object, decision.cache.surrogateKey, age);
  const cache: CacheOutcome = { state: "miss", fwd: "uri-miss", stored: true, ttl: object.times.fresh - age, age, origin: "assets", note: "whole-from-origin" };
  const answer = answerAsset("GET", ctx.req.headers, object, newBoundary);
  if (answer.kind !== "content") {
    await response.body?.cancel();
    return { served: { response: plainAnswer(ctx, answer), cache } };
  }
  const headers = withDebugKeys(ctx, object, decision, answer.headers);
  const body = object.size === 0 ? null : response.body;
  return { served: { response: new Response(body, { status: answer.status, headers, manualFramingHeaders: true }), cache, hostBody: true } };
}

/** A storable non-2xx answer (404, 410…): stored whole, and served from what is stored. */
function storeAnswer(
  lookup: ObjectLookup,
  decision: AssetDecision,
  answer: StoredAnswer,
  response: Response,
  method: "GET" | "HEAD",
  fwd: "stale" | "uri-miss",
): Served {
  const length = Number(response.headers.get("content-length"));
  const entry = insertAnswer(lookup, answer, response.body, length, decision.cache.surrogateKey);
  const headers = new Headers({ ...answer.headers, "content-length": String(length) });
  if (method === "HEAD") closeNow(entry);
  // The transaction too is held until the body is out: by then its insert is whole.
  const body = method === "HEAD" ? null : lookup.lease.body(closingWith(entry, entry.body()));
  return {
    response: new Response(body, { status: answer.status, headers, manualFramingHeaders: true }),
    cache: { state: "miss", fwd, stored: true, ttl: answer.times.fresh, age: 0, origin: "assets" },
  };
}

/** The origin failed (after one retry): a stale copy if there is one, else its answer or a 503. */
function failed(
  ctx: RequestContext,
  lookup: ObjectLookup,
  staleCopy: StoredMetadata | null,
  response: Response | null,
  /** The edge's status when there is neither a stale copy nor an answer. */
  status: 503 | 504 = 503,
): Found {
  release(lookup.entry);
  if (staleCopy?.kind === "object") {
    void response?.body?.cancel();
    return {
      source: {
        object: staleCopy,
        state: "stale",
        stored: false,
        ttl: lookup.ttlSeconds,
        age: lookup.ageSeconds,
        hits: lookup.hits,
        notes: ["stale-if-error"],
        ...bytesOf(lookup, staleCopy),
      },
    };
  }
  if (staleCopy?.kind === "answer") {
    void response?.body?.cancel();
    return { served: storedAnswer(ctx, lookup, staleCopy) };
  }
  const cache: CacheOutcome = { state: "miss", fwd: "uri-miss", origin: "assets", note: "origin-error" };
  if (!response) return { served: { response: originUnavailable("assets", status), cache } };
  return { served: { response: relayedAnswer(response, ctx.req.method === "HEAD"), cache, hostBody: true } };
}

/** stale-while-revalidate: a conditional request for segment 0, off the client's path. */
async function revalidate(ctx: RequestContext, decision: AssetDecision, lookup: ObjectLookup, stored: StoredMetadata): Promise<void> {
  const cut = cutFor(ctx);
  const conditional = revalidationHeadersOf(stored);
  let response: Response;
  try {
    response = await fetchSegment(ctx, decision, 0, { cut }, conditional);
  } catch {
    return release(lookup.entry);
  }
  const age = originAgeSeconds(response.headers);
  if (response.status === 304 && stored.kind !== "pass") {
    await response.body?.cancel();
    const updated = freshenedBy304(stored, response.headers);
    if (updated.kind === "pass") return insertObject(lookup, updated, decision.cache.surrogateKey);
    return freshenObject(lookup, updated, decision.cache.surrogateKey, age);
  }
  const read = readSegmentAnswer(response.status, response.headers, 0, cut);
  if (read.kind === "object") {
    if (read.segment === 0 && fitsInEntry(read.object) && response.body) {
      const { object, inEntry } = insertObjectWithBytes(lookup, read.object, response.body, decision.cache.surrogateKey, age);
      try {
        // Nobody reads it here: read it back once it is in, as for any segment not read in full.
        await verifySegment(ctx, decision, object, 0);
      } finally {
        inEntry.close();
      }
      return;
    }
    if (read.segment === null) {
      await response.body?.cancel();
      return insertObject(lookup, read.object, decision.cache.surrogateKey, age);
    }
    const arrived = await storeArrivedSegment(ctx.store, decision.cache.key, read.object, read.segment, response, decision.cache.surrogateKey);
    try {
      insertObject(lookup, read.object, decision.cache.surrogateKey, age);
      // Nobody reads it here: read it back once it is in, as for any segment not read in full.
      if (!arrived.cached) await verifySegment(ctx, decision, read.object, read.segment);
    } finally {
      arrived.close();
    }
    return;
  }
  if (read.kind === "answer") {
    const entry = insertAnswer(lookup, read.answer, response.body, Number(response.headers.get("content-length")), decision.cache.surrogateKey);
    return closeNow(entry);
  }
  await response.body?.cancel();
  insertObject(lookup, passMarker(read.reason), decision.cache.surrogateKey);
}

/** A stored 404/410…: its status, headers and body from the object entry. */
function storedAnswer(ctx: RequestContext, lookup: ObjectLookup, answer: Extract<StoredMetadata, { kind: "answer" }>): Served {
  const body = ctx.req.method === "HEAD" ? null : lookup.lease.body(lookup.entry.body());
  const fresh = lookup.freshness === "fresh";
  const headers = new Headers(answer.headers);
  const length = lookup.entry.length();
  if (length !== null) headers.set("content-length", String(length));
  return {
    response: new Response(body, { status: answer.status, headers, manualFramingHeaders: length !== null }),
    cache: {
      state: fresh ? "hit" : "stale",
      ttl: lookup.ttlSeconds,
      age: lookup.ageSeconds,
      ...(lookup.hits !== undefined ? { hits: lookup.hits } : {}),
      origin: "assets",
    },
  };
}

/**
 * A 200 larger than an answer from the store may be: the client's GET for the whole object, sent
 * to the origin through Fastly's readthrough HTTP cache with the assets cache times and the URL's
 * surrogate keys, so the body leaves on the host (a fetched body is the one kind js-compute hands
 * over), and production keeps a copy of it the way Fastly's HTTP cache does. Viceroy has no HTTP
 * cache: there every such request reaches the origin (docs/mp3.md, "Whole downloads").
 */
async function wholeFromHttpCache(ctx: RequestContext, decision: AssetDecision, object: StoredObject, reason: string): Promise<Served> {
  const cache: CacheOutcome = { state: "pass", fwd: "bypass", origin: "assets", note: `${reason} http-cache` };
  // The object's own times: fresh, then served while Fastly revalidates it (with the stored
  // validators). The readthrough cache has no stale-if-error setting in js-compute 3.46.
  const readthrough = {
    ttl: object.times.fresh,
    swr: object.times.staleWhileRevalidate,
    surrogateKeys: [decision.cache.surrogateKey, ...object.surrogateKeys],
  };
  let upstream: Response;
  try {
    upstream = await answerWithRetry(ctx, decision, { method: ctx.req.method, drop: answerShapingHeaders, readthrough });
  } catch (error) {
    return { response: originUnavailable("assets", statusFor(error)), cache };
  }
  return { response: relayedAnswer(upstream, ctx.req.method === "HEAD"), cache, hostBody: true };
}

/** The found object entry's own bytes, for an object kept that way (`bytesInEntry`). */
function bytesOf(lookup: ObjectLookup, object: StoredObject): { inEntry?: OpenSegment } {
  return object.bytesInEntry ? { inEntry: segmentInEntry(lookup) } : {};
}

/** A multipart boundary, random per answer. */
const newBoundary = () => boundaryFrom(crypto.getRandomValues(new Uint8Array(24)));

function withoutRange(headers: Headers): Headers {
  const copy = new Headers(headers);
  copy.delete("range");
  return copy;
}

/** The client's own request, uncached, when the store cannot keep this object. */
async function passThrough(ctx: RequestContext, decision: AssetDecision, reason: string): Promise<Served> {
  const served = await passToOrigin(ctx, { ...decision, passReason: reason });
  return { ...served, cache: { state: "pass", fwd: "bypass", origin: "assets", note: reason } };
}
