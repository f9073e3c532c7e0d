// The engines' cache (src/cache/store.ts) on Fastly's Core Cache (`fastly:cache`): one call
// each, the options passed on as they are. Where Viceroy differs from production is said where
// it shows (docs/caching.md, "Viceroy versus production").

import { CoreCache, type CacheEntry, type TransactionCacheEntry, type TransactionInsertOptions } from "fastly:cache";
import type { BodyRange, CacheStore, StoreEntry, StoreInsertOptions, StoreTransaction, StoreUpdateOptions, StoreWriter } from "../cache/store.js";

/** The options as Core Cache takes them: only those given (it refuses an `undefined` list). */
function coreOptions(options: StoreUpdateOptions): TransactionInsertOptions {
  const out: TransactionInsertOptions = { maxAge: options.maxAge };
  if (options.staleWhileRevalidate !== undefined) out.staleWhileRevalidate = options.staleWhileRevalidate;
  if (options.initialAge !== undefined) out.initialAge = options.initialAge;
  if (options.vary !== undefined) out.vary = [...options.vary];
  if (options.surrogateKeys !== undefined) out.surrogateKeys = [...options.surrogateKeys];
  if (options.length !== undefined) out.length = options.length;
  if (options.userMetadata !== undefined) out.userMetadata = options.userMetadata;
  return out;
}

class CoreEntry<E extends CacheEntry = CacheEntry> implements StoreEntry {
  constructor(protected readonly entry: E) {}
  found(): boolean {
    return this.entry.state().found();
  }
  usable(): boolean {
    return this.entry.state().usable();
  }
  stale(): boolean {
    return this.entry.state().stale();
  }
  age(): number {
    return this.entry.age();
  }
  maxAge(): number {
    return this.entry.maxAge();
  }
  length(): number | null {
    return this.entry.length();
  }
  userMetadata(): string {
    return new TextDecoder().decode(this.entry.userMetadata());
  }
  hits(): number | undefined {
    // Viceroy does not implement it: it throws "Unsupported operation".
    try {
      return this.entry.hits();
    } catch {
      return undefined;
    }
  }
  body(range?: BodyRange): ReadableStream<Uint8Array> {
    return range ? this.entry.body({ start: range.start, end: range.end }) : this.entry.body();
  }
  close(): void {
    this.entry.close();
  }
}

class CoreTransaction extends CoreEntry<TransactionCacheEntry> implements StoreTransaction {
  mustInsertOrUpdate(): boolean {
    return this.entry.state().mustInsertOrUpdate();
  }
  insert(options: StoreInsertOptions): StoreWriter {
    return this.entry.insert(coreOptions(options));
  }
  insertAndStreamBack(options: StoreInsertOptions): [StoreWriter, StoreEntry] {
    const [writer, reader] = this.entry.insertAndStreamBack(coreOptions(options));
    return [writer, new CoreEntry(reader)];
  }
  update(options: StoreUpdateOptions): void {
    this.entry.update(coreOptions(options));
  }
  cancel(): void {
    this.entry.cancel();
  }
}

export const coreStore: CacheStore = {
  lookup(key, headers) {
    const entry = CoreCache.lookup(key, headers ? { headers } : undefined);
    return entry ? new CoreEntry(entry) : null;
  },
  async transactionLookup(key, headers) {
    // Not the blocking transactionLookup: a request collapsed onto another's insert waits
    // without holding up the rest of its execution (its background work).
    return new CoreTransaction(await CoreCache.transactionLookupAsync(key, headers ? { headers } : undefined).wait());
  },
  insert(key, options, headers) {
    return CoreCache.insert(key, headers ? { ...coreOptions(options), headers } : coreOptions(options));
  },
};
