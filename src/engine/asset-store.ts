// The segmented asset store on Core Cache: one entry per object (its metadata, or a stored
// non-2xx answer) and one per segment of one version of it; an object of one segment is kept in
// its object entry's own body instead (`bytesInEntry`), so a small asset is one lookup, as a
// page is. Misses are transactional, so concurrent clients make one origin request per segment
// and read it while it is inserted
// (https://developer.fastly.com/learning/concepts/request-collapsing/, Core Cache API:
// https://www.fastly.com/documentation/reference/compute/sdks/rust/fastly/cache/core/).
// Bytes never pass through JavaScript here: origin bodies are appended to cache inserts by
// the host, and reads are host-backed streams of one segment each.

import { closeNow, closerOf, Lease } from "../cache/handle-lifetime.js";
import { decodeMetadata, encodeMetadata, readSegmentAnswer, withBytesInEntry, type StoredAnswer, type StoredMetadata, type StoredObject } from "../cache/asset-object.js";
import { decidePhase, factsOf, phaseOf, type PhaseDecision } from "../cache/phase.js";
import { retention, type Freshness } from "../cache/policy.js";
import { evict, type CacheStore, type StoreEntry, type StoreTransaction } from "../cache/store.js";
import { segmentLength, segmentRange, storeKeys, type SegmentSlice } from "../cache/segments.js";
import { varyOf } from "../cache/vary.js";
import type { ToOrigin } from "../decision.js";
import type { RequestContext } from "./context.js";
import { origins } from "../config/origins.js";
import { statusWithoutAnswer } from "../http/origin-failure.js";
import { answerShapingHeaders } from "../http/origin-request.js";
import { answerWithRetry, OriginUnreachable } from "./origin-retry.js";

/** Client headers that must not shape a segment fetch shared by every client. */
const clientOnlyHeaders = [...answerShapingHeaders, "cookie", "authorization"];

export interface ObjectLookup {
  readonly entry: StoreTransaction;
  /** Closes `entry`: the caller releases it when done, bodies and background work hold it. */
  readonly lease: Lease<StoreTransaction>;
  /** The stored metadata when a usable copy was found. */
  readonly stored: StoredMetadata | null;
  /** This request must insert or update the object entry (insert, update or cancel it). */
  readonly obligated: boolean;
  /** Which phase the found copy is in (soft-purged copies count as revalidating). */
  readonly freshness: Freshness | null;
  /**
   * What to do with the object entry (src/cache/phase.ts), as for every cached route. A
   * hit-for-pass marker is no copy to it: not obligated, the caller passes; obligated, it asks
   * the origin again.
   */
  readonly phase: PhaseDecision;
  readonly ageSeconds: number;
  readonly ttlSeconds: number;
  readonly hits: number | undefined;
}

/**
 * The object entry for a request with `headers`: RFC 9111 §4.1, an object the origin sent with
 * `Vary` is stored per variant (Core Cache matches the request's headers against the names given
 * at insert). Segments need no variants: they are keyed by the version's validator.
 */
export async function lookupObject(store: CacheStore, objectKey: string, headers: Headers): Promise<ObjectLookup> {
  const entry = await store.transactionLookup(storeKeys.object(objectKey), headers);
  const lease = new Lease(entry);
  const found = entry.found();
  const stored = found ? decodeMetadata(entry.userMetadata()) : null;
  // A hit-for-pass marker is no copy to serve (objectFor passes, or asks the origin again).
  const facts = factsOf(entry, stored?.kind === "pass" ? null : (stored?.times ?? null));
  return {
    entry,
    lease,
    stored,
    obligated: facts.obligated,
    freshness: stored ? phaseOf(facts.ageSeconds, stored.times, facts.stale) : null,
    phase: decidePhase(facts),
    ageSeconds: facts.ageSeconds,
    ttlSeconds: found ? (entry.maxAge() - entry.age()) / 1000 : 0,
    hits: found ? entry.hits() : undefined,
  };
}

/**
 * `ageSeconds`: how old the answer the object was learnt from already was (its Age: non-zero
 * when a shield POP answered from its own copy), so the copy here is exactly as old as the
 * shield's and staleness stays bounded across both tiers (src/cache/tiers.ts).
 */
function objectWriteOptions(stored: StoredMetadata, urlKey: string, ageSeconds = 0) {
  const { maxAgeMs, staleMs } = retention(stored.times);
  const vary = stored.kind === "pass" ? null : varyOf(new Headers(stored.headers));
  return {
    ...(ageSeconds > 0 ? { initialAge: ageSeconds * 1000 } : {}),
    ...(vary?.kind === "headers" ? { vary: [...vary.names] } : {}),
    maxAge: maxAgeMs,
    staleWhileRevalidate: staleMs,
    surrogateKeys: [urlKey, ...stored.surrogateKeys],
    userMetadata: encodeMetadata(stored),
  };
}

/**
 * Marks an entry as a stored segment. An entry without it is a tombstone left by `evict`
 * (Core Cache has no per-key removal) and counts as no copy at all.
 */
const segmentMark = "segment";

function isSegmentEntry(entry: StoreEntry): boolean {
  try {
    return entry.userMetadata() === segmentMark;
  } catch {
    return false;
  }
}

/**
 * Segments are keyed by the object's version, so their bytes never go out of date: they are
 * kept for as long as any copy of the object entry could still be served, and when one has
 * gone stale (a soft purge) it is freshened rather than fetched again, once the object entry
 * has confirmed its version.
 */
function segmentWriteOptions(object: StoredObject, index: number, urlKey: string) {
  const { maxAgeMs, staleMs } = retention(object.times);
  return {
    maxAge: maxAgeMs + staleMs,
    staleWhileRevalidate: maxAgeMs + staleMs,
    surrogateKeys: [urlKey, ...object.surrogateKeys],
    userMetadata: segmentMark,
    length: segmentLength(index, object.size, object.segment),
  };
}

/** Writes the object's metadata (or a hit-for-pass marker) into the entry this request is obligated for. */
export function insertObject(lookup: ObjectLookup, object: StoredMetadata, urlKey: string, ageSeconds = 0): void {
  lookup.entry.insert({ ...objectWriteOptions(object, urlKey, ageSeconds), length: 0 }).close();
}

/**
 * Inserts an object of one segment with its bytes (`body`, the origin's answer for all of it)
 * into the entry this request is obligated for. Returns the object as stored (`bytesInEntry`)
 * and the insert's read side as segment 0. Waiters collapsed on the object entry wake to headers
 * and bytes at once.
 */
export function insertObjectWithBytes(
  lookup: ObjectLookup,
  object: StoredObject,
  body: ReadableStream,
  urlKey: string,
  ageSeconds = 0,
): { readonly object: StoredObject; readonly inEntry: OpenSegment } {
  const stored = withBytesInEntry(object, true);
  let reader: StoreEntry;
  try {
    const [writer, read] = lookup.entry.insertAndStreamBack({ ...objectWriteOptions(stored, urlKey, ageSeconds), length: object.size });
    writer.append(body);
    writer.close();
    reader = read;
  } catch (error) {
    body.cancel().catch(() => {});
    release(lookup.entry);
    throw new SegmentUnavailable(`object could not be inserted: ${String(error)}`);
  }
  // The transaction is held too until the bytes are read: by then its insert is whole.
  return { object: stored, inEntry: { index: 0, entry: reader, cached: false, close: closerOf(reader, { close: lookup.lease.hold() }) } };
}

/** The one segment of a found object kept in its entry (`bytesInEntry`), held open until closed. */
export function segmentInEntry(lookup: ObjectLookup): OpenSegment {
  return { index: 0, entry: lookup.entry, cached: true, close: lookup.lease.hold() };
}

/**
 * Another handle on a one-segment object's entry, for a second slice of it (a multipart answer):
 * a handle gives one body. Throws unless the entry still holds this version's bytes.
 */
export function reopenBytesInEntry(store: CacheStore, objectKey: string, object: StoredObject, headers: Headers): OpenSegment {
  const entry = store.lookup(storeKeys.object(objectKey), headers);
  if (!entry || !holdsBytesOf(object)(entry)) {
    closeNow(entry);
    throw new SegmentUnavailable("the object entry no longer holds this version's bytes");
  }
  return { index: 0, entry, cached: true, close: closerOf(entry) };
}

/** Replaces the object entry without a transaction (a new version seen mid-request). */
export function replaceObject(store: CacheStore, objectKey: string, object: StoredObject, urlKey: string, headers: Headers): void {
  store.insert(storeKeys.object(objectKey), { ...objectWriteOptions(object, urlKey), length: 0 }, headers).close();
}

/** Gives a found object entry a new fresh period after the origin confirmed it (304). */
export function freshenObject(lookup: ObjectLookup, stored: StoredMetadata, urlKey: string, ageSeconds = 0): void {
  lookup.entry.update(objectWriteOptions(stored, urlKey, ageSeconds));
}

/** Stores a non-2xx answer whole and returns the entry to read it back from. */
export function insertAnswer(lookup: ObjectLookup, answer: StoredAnswer, body: ReadableStream | null, length: number, urlKey: string): StoreEntry {
  const [writer, reader] = lookup.entry.insertAndStreamBack({ ...objectWriteOptions(answer, urlKey), length });
  if (body) writer.append(body);
  writer.close();
  return reader;
}

/** Releases an obligation nobody will fulfil, so collapsed waiters try for themselves. */
export function release(entry: StoreTransaction): void {
  try {
    entry.cancel();
  } catch {
    // Not obligated any more (inserted or already cancelled).
  }
}

/** An object not known yet, asked for at the segment size this request cuts it into (src/cache/tiers.ts). */
export interface UnknownObject {
  readonly cut: number;
}

/**
 * `Range: bytes=…` for one segment of `object`, or, when the object is not known yet, for its
 * `cut` (the end may pass the size).
 */
function segmentRangeHeader(index: number, object: StoredObject | UnknownObject): string {
  const range = "kind" in object ? segmentRange(index, object.size, object.segment) : segmentRange(index, Number.MAX_SAFE_INTEGER, object.cut);
  return `bytes=${range.start}-${range.end}`;
}

/**
 * One origin request for one segment, retried as every origin request of a cacheable route is
 * (src/engine/origin-retry.ts). Resolves with the last answer; rejects with OriginUnreachable only
 * if no answer came at all.
 */
export function fetchSegment(
  ctx: RequestContext,
  decision: ToOrigin,
  index: number,
  object: StoredObject | UnknownObject,
  extraHeaders: Record<string, string> = {},
): Promise<Response> {
  return fetchRange(ctx, decision, segmentRangeHeader(index, object), extraHeaders);
}

async function fetchRange(ctx: RequestContext, decision: ToOrigin, range: string, extraHeaders: Record<string, string> = {}): Promise<Response> {
  return answerWithRetry(ctx, decision, { method: "GET", drop: clientOnlyHeaders, headers: { range, ...extraHeaders } });
}

/** A segment ready to be read: a found entry, or the read side of an insert in progress. */
export interface OpenSegment {
  readonly index: number;
  readonly entry: StoreEntry;
  /** True when the bytes were already in the cache when the request looked. */
  readonly cached: boolean;
  /**
   * Closes `entry` and the transaction it came from (once), when nothing reads it any more: its
   * bodies are not tied to it, so whoever opened it closes it after the answer's body ends.
   */
  readonly close: () => void;
}

/** The segment's key changed version under us: the origin now has `object`. */
export class VersionChanged extends Error {
  constructor(readonly object: StoredObject) {
    super(`the origin now has version ${object.version}`);
  }
}

/** The origin did not give a segment's bytes. */
export class SegmentUnavailable extends Error {
  constructor(
    message: string,
    /** The origin's answer when it gave one, for passing through when nothing was sent yet. */
    readonly response: Response | null = null,
    /** The edge's status when no answer came: 504 when the origin timed out, else 503. */
    readonly status: 503 | 504 = 503,
  ) {
    super(message);
  }
}

/** The edge's status for an origin request that failed with `error`. */
export function statusFor(error: unknown): 503 | 504 {
  if (error instanceof OriginUnreachable) return statusWithoutAnswer(error.failure, origins.assets);
  if (error instanceof SegmentUnavailable) return error.status;
  return 503;
}

/**
 * A stale segment (soft purge, or older than its lifetime) of the version the object entry
 * vouches for is still the right bytes: renew it instead of fetching it again.
 */
function freshenSegment(entry: StoreTransaction, object: StoredObject, index: number, urlKey: string): void {
  try {
    const { length: _length, ...options } = segmentWriteOptions(object, index, urlKey);
    entry.update(options);
  } catch (error) {
    console.error(`segment ${index} could not be freshened: ${String(error)}`);
    release(entry);
  }
}

/** Inserts an origin segment body under the version's key and returns its read side. */
function insertSegment(entry: StoreTransaction, object: StoredObject, index: number, body: ReadableStream, urlKey: string): StoreEntry {
  const [writer, reader] = entry.insertAndStreamBack(segmentWriteOptions(object, index, urlKey));
  writer.append(body);
  writer.close();
  return reader;
}

/** `insertSegment`, the transaction given up and closed when the insert itself fails. */
function insertSegmentOrClose(entry: StoreTransaction, object: StoredObject, index: number, body: ReadableStream, urlKey: string): StoreEntry {
  try {
    return insertSegment(entry, object, index, body, urlKey);
  } catch (error) {
    body.cancel().catch(() => {});
    release(entry);
    closeNow(entry);
    throw new SegmentUnavailable(`segment ${index} could not be inserted: ${String(error)}`);
  }
}

/**
 * Stores a segment that arrived with the object's metadata (the first request for an object).
 * If another request got there first, its copy is used and this body dropped.
 */
export async function storeArrivedSegment(
  store: CacheStore,
  objectKey: string,
  object: StoredObject,
  index: number,
  response: Response,
  urlKey: string,
): Promise<OpenSegment> {
  const entry = await store.transactionLookup(storeKeys.segment(objectKey, object.version, index, object.segment));
  const obligated = entry.mustInsertOrUpdate();
  const found = entry.found() && isSegmentEntry(entry);
  if (!found && obligated && response.body) {
    const reader = insertSegmentOrClose(entry, object, index, response.body, urlKey);
    return { index, entry: reader, cached: false, close: closerOf(reader, entry) };
  }
  await response.body?.cancel();
  if (found) {
    if (obligated) freshenSegment(entry, object, index, urlKey);
    return { index, entry, cached: true, close: closerOf(entry) };
  }
  release(entry);
  closeNow(entry);
  throw new SegmentUnavailable(`segment ${index} could be neither stored nor found`);
}

/**
 * Opens segment `index` of `object`: from the cache, else from the origin (one request,
 * shared with every concurrent client), inserted while it is read.
 */
export async function openSegment(
  ctx: RequestContext,
  decision: ToOrigin & { cache: { key: string; surrogateKey: string } },
  object: StoredObject,
  index: number,
): Promise<OpenSegment> {
  const objectKey = decision.cache.key;
  const urlKey = decision.cache.surrogateKey;
  const entry = await ctx.store.transactionLookup(storeKeys.segment(objectKey, object.version, index, object.segment));
  const obligated = entry.mustInsertOrUpdate();
  if (entry.found() && isSegmentEntry(entry)) {
    if (obligated) freshenSegment(entry, object, index, urlKey);
    return { index, entry, cached: true, close: closerOf(entry) };
  }
  if (!obligated) {
    closeNow(entry);
    throw new SegmentUnavailable(`segment ${index}: no copy and no obligation`);
  }
  let response: Response;
  try {
    response = await fetchSegment(ctx, decision, index, object);
  } catch (error) {
    release(entry);
    closeNow(entry);
    throw new SegmentUnavailable(`segment ${index}: ${String(error)}`, null, statusFor(error));
  }
  if (isSegmentOf(response, object, index)) {
    const reader = insertSegmentOrClose(entry, object, index, response.body!, urlKey);
    return { index, entry: reader, cached: false, close: closerOf(reader, entry) };
  }
  release(entry);
  closeNow(entry);
  if (response.status === 206 || response.status === 200 || response.status === 416) {
    await response.body?.cancel();
    // Read at the size this request was cut at: the new version is learnt with the same segments.
    const read = readSegmentAnswer(response.status, response.headers, index, object.segment);
    if (read.kind === "object" && read.object.version !== object.version) throw new VersionChanged(read.object);
    throw new SegmentUnavailable(`segment ${index}: unusable ${response.status} (${response.headers.get("content-range") ?? "no Content-Range"})`);
  }
  throw new SegmentUnavailable(`segment ${index}: origin answered ${response.status}`, response);
}

/** Whether an origin answer is exactly segment `index` of this version of the object. */
function isSegmentOf(response: Response, object: StoredObject, index: number): boolean {
  return isRangeOf(response, object, segmentRange(index, object.size, object.segment));
}

/** Whether an origin answer is exactly bytes `start`–`end` of this version of the object. */
function isRangeOf(response: Response, object: StoredObject, expected: { start: number; end: number }): boolean {
  const sameVersion =
    object.etag !== null
      ? response.headers.get("etag") === object.etag
      : response.headers.get("last-modified") === object.lastModified;
  return (
    response.status === 206 &&
    sameVersion &&
    response.headers.get("content-range") === `bytes ${expected.start}-${expected.end}/${object.size}` &&
    response.body !== null
  );
}

/**
 * Replaces a stored segment whose bytes could not be read back (its insert failed part-way:
 * Viceroy keeps such an entry and fails every read of it). A plain insert overwrites it; if
 * the replacement cannot be fetched or breaks too, the key is left with a tombstone so the next
 * request fetches the segment afresh instead of reading a broken copy.
 */
export async function repairSegment(
  ctx: RequestContext,
  decision: ToOrigin & { cache: { key: string; surrogateKey: string } },
  object: StoredObject,
  index: number,
): Promise<void> {
  if (object.bytesInEntry) return forgetBytesInEntry(ctx, decision, object);
  const key = storeKeys.segment(decision.cache.key, object.version, index, object.segment);
  let response: Response;
  try {
    response = await fetchSegment(ctx, decision, index, object);
  } catch (error) {
    console.error(`assets ${decision.cache.key}: segment ${index} could not be fetched again: ${String(error)}`);
    evict(ctx.store, key);
    return;
  }
  if (!isSegmentOf(response, object, index)) {
    await response.body?.cancel();
    evict(ctx.store, key);
    return;
  }
  const writer = ctx.store.insert(key, segmentWriteOptions(object, index, decision.cache.surrogateKey));
  writer.append(response.body!);
  writer.close();
  if ((await storedWhole(ctx.store, key, segmentLength(index, object.size, object.segment))) !== true) {
    console.error(`assets ${decision.cache.key}: segment ${index} broke again while stored; leaving no copy`);
    evict(ctx.store, key);
  }
}

/**
 * Whether the segment stored under `key` holds all its `length` bytes: its last byte is read
 * back (a ranged read waits for an insert still streaming in), which costs one byte of guest
 * work however large the segment. False when the read fails or comes out short (its insert broke
 * off); null when there is no segment under the key (purged, evicted, a tombstone, or an insert
 * production dropped by itself).
 */
async function storedWhole(
  store: CacheStore,
  key: string,
  length: number,
  ours: (entry: StoreEntry) => boolean = isSegmentEntry,
  headers?: Headers,
): Promise<boolean | null> {
  const entry = store.lookup(key, headers);
  if (!entry || !ours(entry)) {
    if (entry) closeNow(entry);
    return null;
  }
  let bytes = 0;
  try {
    const reader = entry.body({ start: length - 1, end: length - 1 }).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
    }
  } catch {
    bytes = -1;
  }
  closeNow(entry);
  return bytes === 1;
}

/**
 * An object entry holding this version's bytes broke (its insert failed part-way, or a read of it
 * did): it is replaced by the same metadata without them, so the next request fetches the
 * object's segment as an entry of its own instead of reading a broken copy.
 */
function forgetBytesInEntry(ctx: RequestContext, decision: ToOrigin & { cache: { key: string; surrogateKey: string } }, object: StoredObject): void {
  console.error(`assets ${decision.cache.key}: the object entry's bytes are broken; keeping its metadata without them`);
  try {
    replaceObject(ctx.store, decision.cache.key, withBytesInEntry(object, false), decision.cache.surrogateKey, ctx.req.headers);
  } catch (error) {
    console.error(`assets ${decision.cache.key}: the object entry could not be replaced: ${String(error)}`);
  }
}

/** Whether an entry is the object entry of this version with its bytes in it. */
function holdsBytesOf(object: StoredObject): (entry: StoreEntry) => boolean {
  return (entry) => {
    try {
      const stored = decodeMetadata(entry.userMetadata());
      return stored?.kind === "object" && stored.bytesInEntry === true && stored.version === object.version;
    } catch {
      return false;
    }
  };
}

/**
 * Reads the last byte of a segment this request stored back from the cache (`storedWhole`), and
 * replaces the segment if that read fails or comes out short: its origin body broke off while
 * nobody read that far. (Viceroy keeps
 * such an entry and fails every later read of it, so without this the next listener would get a
 * cut download.) Used for every inserted segment the client did not read in full itself.
 */
export async function verifySegment(
  ctx: RequestContext,
  decision: ToOrigin & { cache: { key: string; surrogateKey: string } },
  object: StoredObject,
  index: number,
): Promise<void> {
  if (object.bytesInEntry) {
    const whole = await storedWhole(ctx.store, storeKeys.object(decision.cache.key), object.size, holdsBytesOf(object), ctx.req.headers);
    if (whole === false) forgetBytesInEntry(ctx, decision, object);
    return;
  }
  const whole = await storedWhole(ctx.store, storeKeys.segment(decision.cache.key, object.version, index, object.segment), segmentLength(index, object.size, object.segment));
  if (whole !== false) return;
  if (!ctx.backends.allows(1)) {
    console.error(`assets ${decision.cache.key}: stored segment ${index} is broken; no backend request left to replace it`);
    evict(ctx.store, storeKeys.segment(decision.cache.key, object.version, index, object.segment));
    return;
  }
  console.error(`assets ${decision.cache.key}: stored segment ${index} is broken; replacing it`);
  await repairSegment(ctx, decision, object, index);
}

/**
 * The rest of a slice whose stored copy broke while a client read it, straight from the origin
 * (not stored: the broken copy is being replaced separately). Rejects unless the origin gives
 * exactly those bytes of this version.
 */
export async function fetchSliceRest(
  ctx: RequestContext,
  decision: ToOrigin,
  object: StoredObject,
  slice: SegmentSlice,
  delivered: number,
): Promise<ReadableStream<Uint8Array>> {
  const base = segmentRange(slice.index, object.size, object.segment).start;
  const wanted = { start: base + slice.start + delivered, end: base + slice.end };
  const response = await fetchRange(ctx, decision, `bytes=${wanted.start}-${wanted.end}`);
  if (!isRangeOf(response, object, wanted)) {
    await response.body?.cancel();
    throw new SegmentUnavailable(`bytes ${wanted.start}-${wanted.end}: origin answered ${response.status} ${response.headers.get("content-range") ?? ""}`);
  }
  return response.body!;
}

/** A host-backed stream of one slice of an open segment. */
export function readSlice(open: OpenSegment, slice: SegmentSlice, object: StoredObject): ReadableStream<Uint8Array> {
  const whole = slice.start === 0 && slice.end === segmentLength(slice.index, object.size, object.segment) - 1;
  // Core Cache body ranges: `end` is an inclusive offset (checked against Viceroy, docs/mp3.md).
  return whole ? open.entry.body() : open.entry.body({ start: slice.start, end: slice.end });
}

/**
 * How many of the given segments are in the cache now, without taking part in any
 * transaction: Cache-Status reports a hit only when every segment of the answer was.
 */
export function countCached(store: CacheStore, objectKey: string, object: StoredObject, indices: readonly number[]): number {
  let cached = 0;
  for (const index of indices) {
    const entry = store.lookup(storeKeys.segment(objectKey, object.version, index, object.segment));
    if (!entry) continue;
    try {
      if (entry.usable() && isSegmentEntry(entry)) cached++;
    } finally {
      closeNow(entry);
    }
  }
  return cached;
}
