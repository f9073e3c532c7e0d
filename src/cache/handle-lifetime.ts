// When a Core Cache handle (`CacheEntry`, `TransactionCacheEntry`) may be closed. A handle left
// open keeps its host resources, and a transaction's collapsing obligation, until the execution
// ends; closed while something still needs it, it fails that use. So a handle is closed once,
// when its last user is done: the code that opened it, work still running on it in the
// background, and a body streaming out of it.
//
// A body is waited for because nothing promises it outlives its handle: js-compute reads it from
// a separate host body handle (cache-core.cpp, `CacheEntry::body`) and Viceroy 0.22 copies it out
// independently, but Fastly documents no such guarantee for production. The wrapper costs one
// JavaScript stream hop per chunk, which Core Cache bodies take anyway in js-compute 3.46
// (docs/mp3.md, "Bytes through JavaScript"); bodies handed to the host (fetch()) never get it.
// Web streams only: unit-tested in Node with fake handles.

export interface Closable {
  close(): void;
}

/**
 * A handle and who still uses it. Whoever creates the lease holds it once and must `release()`
 * when done with it (a `finally`); `during` and `body` hold it for as long as their work or
 * stream lasts. The handle is closed once, when the last hold is let go, or by `close()`.
 */
export class Lease<H extends Closable> {
  private holds = 0;
  private closed = false;
  private readonly ownerRelease: () => void;

  constructor(
    readonly handle: H,
    /** Told when the handle's close() throws; the failure is not the caller's to handle. */
    private readonly onCloseError: (error: unknown) => void = (error) => console.error(`cache handle close failed: ${String(error)}`),
  ) {
    this.ownerRelease = this.hold();
  }

  /** Lets go of the creator's hold (any number of times: once counts). */
  release(): void {
    this.ownerRelease();
  }

  /** One more user; the returned function lets go of it, once however often it is called. */
  hold(): () => void {
    if (this.closed) return () => {};
    this.holds++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      if (--this.holds === 0) this.close();
    };
  }

  /** Holds the handle until `work` settles, and passes its outcome on. */
  during<T>(work: Promise<T>): Promise<T> {
    const done = this.hold();
    return work.finally(done);
  }

  /**
   * `source` (a body read out of this handle) as it is, holding the handle until the stream
   * ends, fails or is cancelled by whoever reads it.
   */
  body(source: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
    const done = this.hold();
    const reader = source.getReader();
    return new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          let result: Awaited<ReturnType<typeof reader.read>>;
          try {
            result = await reader.read();
          } catch (error) {
            done();
            controller.error(error);
            return;
          }
          if (result.done) {
            done();
            controller.close();
          } else {
            controller.enqueue(result.value);
          }
        },
        async cancel(reason) {
          try {
            await reader.cancel(reason);
          } finally {
            done();
          }
        },
      },
      // Read only when the consumer asks, as the source would be read without the wrapper.
      { highWaterMark: 0 },
    );
  }

  /** Closes the handle now (at most once), whoever still holds it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.handle.close();
    } catch (error) {
      this.onCloseError(error);
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

/** `body` read out of `handle`, which is closed once the body ends: the common one-owner case. */
export function closingWith(handle: Closable, body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const lease = new Lease(handle);
  try {
    return lease.body(body);
  } finally {
    lease.release();
  }
}

/** Closes `handle` now if there is one, reporting (not throwing) a failure. */
export function closeNow(handle: Closable | null | undefined): void {
  if (handle) new Lease(handle).release();
}

/** A function that closes every one of `handles` the first time it is called, and no more. */
export function closerOf(...handles: readonly Closable[]): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    for (const handle of handles) closeNow(handle);
  };
}
