// Counts the response body bytes that actually leave for the client, and says how the body
// ended. The shell wraps every response body in it; it needs nothing from the platform beyond
// Web streams and timers, so it is unit-tested in Node against a consumer that behaves like the
// Compute runtime.
//
// How the runtime sends a body stream (js-compute-runtime, `body_reader_then_handler`): it reads
// one chunk, writes it to the client connection with a blocking host call, and only when that
// write has succeeded reads the next one. So each time it comes back for another chunk, the
// previous one has left. When the client has hung up, the write fails and the runtime simply
// stops reading: the stream is neither cancelled nor errored, nobody is told. A chunk that was
// handed out and never followed by another read, seen from a timer (which cannot run while a
// write blocks, and runs only after the runtime's promise reactions), therefore means the client
// is gone; the bytes before that chunk are what left. See docs/logs.md, "Client disconnects".

import type { Delivery } from "./exchange.js";

export interface BodyEnd {
  /** Body bytes the client connection accepted. */
  readonly bytes: number;
  readonly delivery: Delivery;
}

export interface CountingOptions {
  /** How often to look for an abandoned stream while the body flows (milliseconds). */
  readonly checkEveryMs?: number;
  /**
   * The length the response declared (Content-Length). A body that ends short of it did not
   * complete: the runtime reports a backend connection that broke off mid-body as a normal end.
   */
  readonly declaredBytes?: number | null;
}

/**
 * A stream that yields `source`'s chunks one read at a time and calls `onEnd` exactly once: when
 * the source is done (`complete`, or `failed` when it ended short of the declared length), when
 * the source fails (`failed`, the error passes on), or when the consumer stopped reading or
 * cancelled (`client-gone`).
 */
export function countingBody(
  source: ReadableStream<Uint8Array>,
  onEnd: (end: BodyEnd) => void,
  options: CountingOptions = {},
): ReadableStream<Uint8Array> {
  const checkEveryMs = options.checkEveryMs ?? 100;
  const declared = options.declaredBytes ?? null;
  const reader = source.getReader();
  /** Bytes of chunks the consumer took and then came back from: they have left. */
  let delivered = 0;
  /** Size of the chunk handed out last, until the consumer comes back for the next one. */
  let outstanding = 0;
  let ended = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const end = (delivery: Delivery): void => {
    if (ended) return;
    ended = true;
    if (timer !== undefined) clearTimeout(timer);
    onEnd({ bytes: delivered, delivery });
  };

  const check = (): void => {
    timer = undefined;
    if (ended) return;
    if (outstanding > 0) {
      end("client-gone");
      reader.cancel("the client went away").catch(() => {});
      return;
    }
    timer = setTimeout(check, checkEveryMs);
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        delivered += outstanding;
        outstanding = 0;
        let result: Awaited<ReturnType<typeof reader.read>>;
        try {
          result = await reader.read();
        } catch (error) {
          end("failed");
          controller.error(error);
          return;
        }
        if (ended) return;
        if (result.done) {
          controller.close();
          end(declared === null || delivered === declared ? "complete" : "failed");
          return;
        }
        outstanding = result.value.byteLength;
        controller.enqueue(result.value);
        if (timer === undefined) timer = setTimeout(check, checkEveryMs);
      },
      cancel(reason) {
        end("client-gone");
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
