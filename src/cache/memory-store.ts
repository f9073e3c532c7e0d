// The engines' cache (src/cache/store.ts) in memory, for unit tests in Node: a Map of items
// per key with Core Cache's transaction semantics, as Fastly documents them: the first
// transactional lookup of a missing key is obligated and the later ones wait until it inserts
// (then read the item while it is written), updates, or gives up (then the next one is
// obligated); of a stale item, one is obligated and the others get the stale item at once.
// Ages come from an injected clock. Where Viceroy differs (it keeps a failed insert, found and
// empty), this follows production: a failed insert is gone.

import type { BodyRange, CacheStore, StoreEntry, StoreInsertOptions, StoreTransaction, StoreUpdateOptions, StoreWriter } from "./store.js";

/** Milliseconds, any epoch. */
export type Clock = () => number;

interface Item {
  metadata: string;
  maxAge: number;
  staleWhileRevalidate: number;
  initialAge: number;
  /** When it was inserted or last updated, by the clock. */
  since: number;
  vary: readonly string[];
  /** The inserting request's values of the `vary` headers (null when absent). */
  varyValues: readonly (string | null)[];
  surrogateKeys: readonly string[];
  declaredLength: number | undefined;
  chunks: Uint8Array[];
  bytes: number;
  state: "streaming" | "complete" | "failed";
  softPurged: boolean;
  hits: number;
  /** Readers waiting for more bytes or the end. */
  wake: (() => void)[];
}

/** A key's pending obligation: settled when its holder inserts, updates, cancels or closes. */
interface Obligation {
  settled: boolean;
  readonly done: Promise<void>;
  settle(): void;
}

function obligation(): Obligation {
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const o: Obligation = {
    settled: false,
    done,
    settle() {
      if (o.settled) return;
      o.settled = true;
      resolve();
    },
  };
  return o;
}

function varyValuesOf(names: readonly string[], headers: Headers | undefined): (string | null)[] {
  return names.map((name) => headers?.get(name) ?? null);
}

export class MemoryStore implements CacheStore {
  private readonly items = new Map<string, Item[]>();
  private readonly obligations = new Map<string, Obligation>();
  /** Transactional lookups made, by key: how many requests reached the cache. */
  readonly lookups = new Map<string, number>();
  /** Plain (non-transactional) lookups made, by key. */
  readonly peeks = new Map<string, number>();
  /** Every handle given out, so tests can see which were never closed. */
  private readonly handles: MemoryEntry[] = [];

  constructor(private readonly clock: Clock = Date.now) {}

  lookup(key: string, headers?: Headers): StoreEntry | null {
    this.peeks.set(key, (this.peeks.get(key) ?? 0) + 1);
    const item = this.usableItem(key, headers);
    if (!item) return null;
    item.hits++;
    return this.track(new MemoryEntry(item, this.clock));
  }

  async transactionLookup(key: string, headers?: Headers): Promise<StoreTransaction> {
    this.lookups.set(key, (this.lookups.get(key) ?? 0) + 1);
    for (;;) {
      const item = this.usableItem(key, headers);
      const pending = this.obligations.get(key);
      const open = pending && !pending.settled ? pending : undefined;
      if (item && !isStale(item, this.clock())) return this.transaction(key, headers, item, null);
      if (item) {
        // Stale: everyone may use it; one freshens it.
        if (open) return this.transaction(key, headers, item, null);
        return this.transaction(key, headers, item, this.oblige(key));
      }
      if (!open) return this.transaction(key, headers, null, this.oblige(key));
      // Collapsed: wait for the obligated request, then look again.
      await open.done;
    }
  }

  insert(key: string, options: StoreInsertOptions, headers?: Headers): StoreWriter {
    return new MemoryWriter(this.put(key, options, headers), () => this.drop(key));
  }

  /** Fastly's surrogate-key purge: a soft one marks the items stale, a hard one removes them. */
  purge(surrogateKey: string, soft = false): void {
    for (const [key, items] of this.items) {
      const kept = items.filter((item) => {
        if (!item.surrogateKeys.includes(surrogateKey)) return true;
        if (soft) item.softPurged = true;
        return soft;
      });
      this.items.set(key, kept);
    }
  }

  /** How many handles given out (lookups, transactions, streamed-back entries) are still open. */
  openHandles(): number {
    return this.handles.filter((handle) => handle.open).length;
  }

  /** @internal Registers a handle this store gave out. */
  track<T extends MemoryEntry>(handle: T): T {
    this.handles.push(handle);
    return handle;
  }

  /** Whether a request holds the key's obligation now. */
  isObligated(key: string): boolean {
    const pending = this.obligations.get(key);
    return pending !== undefined && !pending.settled;
  }

  private oblige(key: string): Obligation {
    const o = obligation();
    this.obligations.set(key, o);
    return o;
  }

  private transaction(key: string, headers: Headers | undefined, item: Item | null, held: Obligation | null): StoreTransaction {
    if (item) item.hits++;
    return this.track(new MemoryTransaction(this, key, headers, item, held, this.clock));
  }

  private usableItem(key: string, headers: Headers | undefined): Item | null {
    const now = this.clock();
    const items = this.items.get(key) ?? [];
    return items.find((item) => item.state !== "failed" && age(item, now) < item.maxAge + item.staleWhileRevalidate && sameVariant(item, headers)) ?? null;
  }

  /** @internal A new item under `key`, replacing the variant the inserting request's headers select. */
  put(key: string, options: StoreInsertOptions, headers: Headers | undefined): Item {
    const vary = options.vary ?? [];
    const item: Item = {
      metadata: options.userMetadata ?? "",
      maxAge: options.maxAge,
      staleWhileRevalidate: options.staleWhileRevalidate ?? 0,
      initialAge: options.initialAge ?? 0,
      since: this.clock(),
      vary,
      varyValues: varyValuesOf(vary, headers),
      surrogateKeys: options.surrogateKeys ?? [],
      declaredLength: options.length,
      chunks: [],
      bytes: 0,
      state: "streaming",
      softPurged: false,
      hits: 0,
      wake: [],
    };
    const others = (this.items.get(key) ?? []).filter((old) => !sameVariant(old, headers));
    this.items.set(key, [item, ...others]);
    return item;
  }

  /** @internal A failed insert is dropped (production; Viceroy keeps it). */
  drop(key: string): void {
    this.items.set(key, (this.items.get(key) ?? []).filter((item) => item.state !== "failed"));
  }
}

function age(item: Item, now: number): number {
  return now - item.since + item.initialAge;
}

function isStale(item: Item, now: number): boolean {
  return item.softPurged || age(item, now) >= item.maxAge;
}

function sameVariant(item: Item, headers: Headers | undefined): boolean {
  const values = varyValuesOf(item.vary, headers);
  return values.every((value, i) => value === item.varyValues[i]);
}

class MemoryEntry implements StoreEntry {
  private closed = false;
  /** Its one body has been taken. */
  private bodyTaken = false;

  constructor(
    protected item: Item | null,
    protected readonly clock: Clock,
  ) {}

  protected live(): Item {
    if (this.closed) throw new Error("invalid cache handle");
    if (!this.item) throw new Error("no cached item");
    return this.item;
  }

  found(): boolean {
    if (this.closed) throw new Error("invalid cache handle");
    return this.item !== null;
  }
  usable(): boolean {
    const item = this.live();
    return age(item, this.clock()) < item.maxAge + item.staleWhileRevalidate;
  }
  stale(): boolean {
    if (this.closed) throw new Error("invalid cache handle");
    return this.item !== null && isStale(this.item, this.clock());
  }
  age(): number {
    return age(this.live(), this.clock());
  }
  maxAge(): number {
    return this.live().maxAge;
  }
  length(): number | null {
    const item = this.live();
    return item.declaredLength ?? (item.state === "complete" ? item.bytes : null);
  }
  userMetadata(): string {
    return this.live().metadata;
  }
  hits(): number | undefined {
    return this.live().hits;
  }

  body(range?: BodyRange): ReadableStream<Uint8Array> {
    const item = this.live();
    // js-compute 3.46 under Viceroy 0.22 fails a second body of one handle ("body: Invalid
    // handle"), even after the first has ended: a handle gives one body.
    if (this.bodyTaken) throw new Error("body: Invalid handle (this entry's body was already taken)");
    this.bodyTaken = true;
    const start = range?.start ?? 0;
    const end = range ? range.end + 1 : Number.POSITIVE_INFINITY;
    let at = start;
    return new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          for (;;) {
            if (at >= end) return controller.close();
            if (item.state === "failed") return controller.error(new Error("the cached item's insert failed"));
            const next = sliceAt(item, at, end);
            if (next) {
              at += next.byteLength;
              return controller.enqueue(next);
            }
            if (item.state === "complete") return controller.close();
            await new Promise<void>((resolve) => item.wake.push(resolve));
          }
        },
      },
      { highWaterMark: 0 },
    );
  }

  close(): void {
    if (this.closed) throw new Error("invalid cache handle");
    this.closed = true;
  }

  protected get isClosed(): boolean {
    return this.closed;
  }

  /** Not closed yet. */
  get open(): boolean {
    return !this.closed;
  }
}

/** The stored bytes from `at` (up to `end`, exclusive) in the chunk holding `at`, or null if none yet. */
function sliceAt(item: Item, at: number, end: number): Uint8Array | null {
  let offset = 0;
  for (const chunk of item.chunks) {
    if (at < offset + chunk.byteLength) return chunk.subarray(at - offset, Math.min(chunk.byteLength, end - offset));
    offset += chunk.byteLength;
  }
  return null;
}

class MemoryTransaction extends MemoryEntry implements StoreTransaction {
  constructor(
    private readonly store: MemoryStore,
    private readonly key: string,
    private readonly headers: Headers | undefined,
    item: Item | null,
    private readonly held: Obligation | null,
    clock: Clock,
  ) {
    super(item, clock);
  }

  mustInsertOrUpdate(): boolean {
    if (this.isClosed) throw new Error("invalid cache handle");
    return this.held !== null && !this.held.settled;
  }

  private fulfil(): Obligation {
    if (this.isClosed) throw new Error("invalid cache handle");
    if (!this.held || this.held.settled) throw new Error("this transaction holds no obligation");
    return this.held;
  }

  insert(options: StoreInsertOptions): StoreWriter {
    return this.inserted(options)[1];
  }

  insertAndStreamBack(options: StoreInsertOptions): [StoreWriter, StoreEntry] {
    const [item, writer] = this.inserted(options);
    return [writer, this.store.track(new MemoryEntry(item, this.clock))];
  }

  private inserted(options: StoreInsertOptions): [Item, StoreWriter] {
    const held = this.fulfil();
    const item = this.store.put(this.key, options, this.headers);
    // The waiters wake once the item is there (its metadata), and read it while it is written.
    held.settle();
    return [item, new MemoryWriter(item, () => this.store.drop(this.key))];
  }

  update(options: StoreUpdateOptions): void {
    const held = this.fulfil();
    const item = this.live();
    item.maxAge = options.maxAge;
    item.staleWhileRevalidate = options.staleWhileRevalidate ?? 0;
    // Age restarts from the given initial age (as Viceroy re-inserts; the engines always pass it).
    item.initialAge = options.initialAge ?? 0;
    item.since = this.clock();
    item.softPurged = false;
    if (options.userMetadata !== undefined) item.metadata = options.userMetadata;
    if (options.surrogateKeys !== undefined) item.surrogateKeys = options.surrogateKeys;
    if (options.vary !== undefined) item.vary = options.vary;
    held.settle();
  }

  cancel(): void {
    this.fulfil().settle();
  }

  override close(): void {
    super.close();
    // Closing an obligated transaction without an insert gives the obligation up.
    this.held?.settle();
  }
}

class MemoryWriter implements StoreWriter {
  private chain: Promise<void> = Promise.resolve();
  private ended = false;

  constructor(
    private readonly item: Item,
    private readonly dropFailed: () => void,
  ) {}

  append(chunk: ReadableStream<Uint8Array> | Uint8Array): void {
    if (this.ended) throw new Error("the insert is closed");
    this.chain = this.chain.then(async () => {
      if (chunk instanceof Uint8Array) return this.push(chunk);
      const reader = chunk.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        this.push(value);
      }
    });
    // A source that fails fails the insert (the host's append does the same).
    this.chain = this.chain.catch(() => this.fail());
  }

  close(): void {
    if (this.ended) throw new Error("the insert is closed");
    this.ended = true;
    this.chain = this.chain.then(() => {
      if (this.item.state !== "streaming") return;
      if (this.item.declaredLength !== undefined && this.item.bytes !== this.item.declaredLength) return this.fail();
      this.item.state = "complete";
      this.wakeAll();
    });
  }

  abandon(): void {
    this.ended = true;
    this.chain = this.chain.then(() => this.fail());
  }

  /** Settles once every appended byte is in and the insert is complete or failed. */
  get settled(): Promise<void> {
    return this.chain;
  }

  private push(chunk: Uint8Array): void {
    if (this.item.state !== "streaming" || chunk.byteLength === 0) return;
    this.item.chunks.push(chunk.slice());
    this.item.bytes += chunk.byteLength;
    this.wakeAll();
  }

  private fail(): void {
    if (this.item.state !== "streaming") return;
    this.item.state = "failed";
    this.dropFailed();
    this.wakeAll();
  }

  private wakeAll(): void {
    for (const wake of this.item.wake.splice(0)) wake();
  }
}
