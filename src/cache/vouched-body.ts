// A body read out of a cache entry whose length nobody knew when it was served (a chunked
// insert still streaming in): its bytes pass as they come, and its end is given to the client
// only once the cache vouches for them. Otherwise the stream errors, so the runtime never sends
// the last chunk and the client sees a cut answer. Web streams only: unit-tested in Node.

/**
 * `source`'s chunks one read at a time; when it is done, `mayEnd(delivered)` decides whether the
 * stream closes (the body was whole) or errors (it was cut). A failed read errors it too, and so
 * does a read that gives nothing for `idleMs` (the origin's between-bytes timeout: Viceroy does
 * not apply it to an origin body appended to a cache insert, which then waits for as long as
 * the origin keeps the connection open).
 */
export function vouchedBody(
  source: ReadableStream<Uint8Array>,
  mayEnd: (delivered: number) => Promise<boolean>,
  idleMs?: number,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let delivered = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let result: Awaited<ReturnType<typeof reader.read>>;
        try {
          result = await readWithin(reader, idleMs);
        } catch (error) {
          controller.error(error);
          reader.cancel(error).catch(() => {});
          return;
        }
        if (!result.done) {
          delivered += result.value.byteLength;
          controller.enqueue(result.value);
          return;
        }
        let whole = false;
        try {
          whole = await mayEnd(delivered);
        } catch {
          whole = false;
        }
        if (whole) controller.close();
        else controller.error(new Error(`the cached body broke off after ${delivered} bytes`));
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * The next read of `reader`, rejected when nothing came within `idleMs` (no limit without it).
 * The timer is cleared as soon as the read settles, so no timer outlives the body.
 */
export function readWithin<T>(reader: ReadableStreamDefaultReader<T>, idleMs?: number): ReturnType<ReadableStreamDefaultReader<T>["read"]> {
  if (idleMs === undefined) return reader.read();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no bytes for ${idleMs} ms`)), idleMs);
  });
  return Promise.race([reader.read(), idle]).finally(() => clearTimeout(timer));
}
