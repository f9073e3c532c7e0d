// The cache the two engines (src/engine/cached.ts, src/engine/asset-store.ts) are written
// against: the part of Fastly's Core Cache they use, and nothing of `fastly:*`, so the engine
// logic runs in Node against an in-memory one (src/cache/memory-store.ts) as it runs on
// Core Cache in Compute (src/edge/core-store.ts). Times are milliseconds, as Core Cache's.

import type { Closable } from "./handle-lifetime.js";

/** A byte range of a stored body; `end` is an inclusive offset (as Core Cache's, docs/mp3.md). */
export interface BodyRange {
  readonly start: number;
  readonly end: number;
}

/** One cached item as a lookup found it. */
export interface StoreEntry extends Closable {
  /** An item was found under the key (and the lookup's Vary headers). */
  found(): boolean;
  /** Younger than its max age plus its stale-while-revalidate period. */
  usable(): boolean;
  /** Older than its max age, or soft-purged. */
  stale(): boolean;
  /** Milliseconds, its initial age included. */
  age(): number;
  maxAge(): number;
  /** Bytes, when known: declared at insert, or once the insert is complete. */
  length(): number | null;
  /** What the inserter stored beside the body, as text ("" when none). */
  userMetadata(): string;
  /** How often the item was served; undefined where the platform cannot count (Viceroy). */
  hits(): number | undefined;
  /**
   * The body (or a range of it), streaming while it is still being inserted. Once per handle:
   * js-compute 3.46 under Viceroy fails a second call ("body: Invalid handle"), even after the
   * first body has ended; another range of the item takes another lookup.
   */
  body(range?: BodyRange): ReadableStream<Uint8Array>;
}

/** Where an insert's bytes go; `close()` completes it, `abandon()` fails it for every reader. */
export interface StoreWriter {
  append(chunk: ReadableStream<Uint8Array> | Uint8Array): void;
  close(): void;
  abandon(): void;
}

export interface StoreUpdateOptions {
  readonly maxAge: number;
  readonly staleWhileRevalidate?: number;
  readonly initialAge?: number;
  /** Request header names later lookups must match (RFC 9111 §4.1). */
  readonly vary?: readonly string[];
  readonly surrogateKeys?: readonly string[];
  readonly length?: number;
  readonly userMetadata?: string;
}

export type StoreInsertOptions = StoreUpdateOptions;

/**
 * A transactional lookup's entry: when `mustInsertOrUpdate()`, this request holds the key's
 * obligation and must insert, update or cancel (closing it gives the obligation up too);
 * concurrent lookups of a missing key wait for it, those of a stale one get the stale item.
 */
export interface StoreTransaction extends StoreEntry {
  mustInsertOrUpdate(): boolean;
  insert(options: StoreInsertOptions): StoreWriter;
  /** The insert and an entry to read it back from while it is written. */
  insertAndStreamBack(options: StoreInsertOptions): [StoreWriter, StoreEntry];
  /** New times and metadata for the found item, its body kept. */
  update(options: StoreUpdateOptions): void;
  cancel(): void;
}

export interface CacheStore {
  /** The usable item under `key` (Vary'd items matched against `headers`), or null. Not collapsed. */
  lookup(key: string, headers?: Headers): StoreEntry | null;
  /** A lookup that takes part in the key's transaction (collapsing, obligation). */
  transactionLookup(key: string, headers?: Headers): Promise<StoreTransaction>;
  /**
   * Overwrites whatever is under `key` (for a Vary'd item, the variant `headers` select),
   * outside any transaction.
   */
  insert(key: string, options: StoreInsertOptions, headers?: Headers): StoreWriter;
}

/**
 * Overwrites a key with an empty, already-expired entry that carries none of our user metadata,
 * which both engines treat as no copy. Core Cache has no per-key removal, and while production
 * drops an abandoned insert by itself, Viceroy keeps it, found but failing every read.
 */
export function evict(store: CacheStore, key: string): void {
  try {
    store.insert(key, { maxAge: 0, length: 0, userMetadata: "" }).close();
  } catch (error) {
    console.error(`could not evict ${key}: ${String(error)}`);
  }
}
