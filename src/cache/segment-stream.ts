// Streams a body plan (src/cache/segments.ts) one piece at a time: literal text as is, each
// segment slice from a stream opened only shortly before it is needed. Memory stays at one chunk
// whatever the object's size. Once half of the current segment has gone out, the next
// `prefetchSegments` slices are opened (looked up, or requested from the origin and stored as
// they arrive), so a long download does not wait for an origin round trip at every boundary,
// while a client that hangs up has caused at most that many segments to be fetched for it.
// Platform-free: the caller supplies how a slice is opened.

import { textBytes } from "../http/multipart.js";
import type { PlannedPiece, SegmentSlice } from "./segments.js";

export type SliceOpener = (slice: SegmentSlice) => Promise<ReadableStream<Uint8Array>>;

/**
 * Where the rest of a broken slice can come from instead: the bytes of `slice` from offset
 * `delivered` (relative to the slice's start) to its end, e.g. a plain origin range request.
 */
export type SliceResumer = (slice: SegmentSlice, delivered: number) => Promise<ReadableStream<Uint8Array>>;

export interface StreamPlanOptions {
  /** The already-open stream of the plan's first segment slice, if the caller opened it. */
  readonly first?: ReadableStream<Uint8Array>;
  /** Segments opened ahead (default `prefetchSegments`). */
  readonly window?: number;
  /** Told when a segment's stream fails or ends short, so the caller can replace the copy. */
  readonly onBroken?: (slice: SegmentSlice, error: unknown) => void;
  /**
   * Asked once per slice for the rest of a slice whose stream failed or ended short (after
   * `onBroken`), or for all of one that could not be opened; without it (or when it fails too)
   * the body fails.
   */
  readonly resume?: SliceResumer;
  /** Told when every byte of a slice has gone out. */
  readonly onSliceDone?: (slice: SegmentSlice) => void;
  /** Told once, when the body has ended: sent in full, failed, or cancelled by the consumer. */
  readonly onEnd?: () => void;
}

export class ShortSegment extends Error {}

/**
 * How many segments ahead of the one being sent are opened by default: with 2 MiB segments,
 * 8 MiB in flight (see segmentBytes), and at most that much fetched for a client that hangs up.
 */
export const prefetchSegments = 4;

/** Bytes opened ahead of the segment being sent: the caller turns it into a window per object. */
export const prefetchBytes = 8 * 1024 * 1024;

/**
 * A slice is done once its bytes are out, without waiting for its stream to end: a read of a
 * segment still being stored may only end when the whole segment is in (Viceroy does this).
 * A stream that fails or ends short is resumed once from the caller's `resume` (the origin),
 * else it fails the body: the client sees a cut, never wrong bytes.
 */
export function streamPlan(plan: readonly PlannedPiece[], open: SliceOpener, options: StreamPlanOptions = {}): ReadableStream<Uint8Array> {
  const { first, window = prefetchSegments, onBroken, onSliceDone, resume } = options;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    options.onEnd?.();
  };
  const opening = new Map<number, Promise<ReadableStream<Uint8Array>>>();
  const firstSlice = plan.findIndex((piece) => piece.kind === "segment");
  if (first && firstSlice >= 0) opening.set(firstSlice, Promise.resolve(first));

  const openAt = (at: number): Promise<ReadableStream<Uint8Array>> => {
    let pending = opening.get(at);
    if (!pending) {
      pending = open(plan[at] as SegmentSlice);
      pending.catch(() => undefined); // observed when its turn comes; never an unhandled rejection
      opening.set(at, pending);
    }
    return pending;
  };
  /** Starts opening the next `window` slices after plan position `from`. */
  const prefetchFrom = (from: number): void => {
    let left = window;
    for (let at = from; at < plan.length && left > 0; at++) {
      if (plan[at]!.kind !== "segment") continue;
      void openAt(at);
      left--;
    }
  };

  let next = 0;
  let current: {
    reader: ReadableStreamDefaultReader<Uint8Array>;
    slice: SegmentSlice;
    expected: number;
    delivered: number;
    prefetched: boolean;
    resumed: boolean;
  } | null = null;

  /**
   * A slice's stream broke: tell the caller, then carry on from where it stopped with the
   * resumer's stream, once. Returns false when the body must fail.
   */
  const recover = async (error: unknown): Promise<boolean> => {
    const broken = current!;
    onBroken?.(broken.slice, error);
    if (!resume || broken.resumed) return false;
    void broken.reader.cancel(error).catch(() => undefined);
    try {
      const rest = await resume(broken.slice, broken.delivered);
      if (ended) {
        void rest.cancel().catch(() => undefined);
        return false;
      }
      broken.reader = rest.getReader();
      broken.resumed = true;
      return true;
    } catch {
      return false;
    }
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          if (!current) {
            if (next >= plan.length) {
              controller.close();
              end();
              return;
            }
            const at = next++;
            const piece = plan[at]!;
            if (piece.kind === "text") {
              controller.enqueue(textBytes(piece.text));
              return;
            }
            let stream: ReadableStream<Uint8Array>;
            let resumed = false;
            try {
              stream = await openAt(at);
            } catch (error) {
              // No copy could be opened (nor fetched into the cache): the resumer may still give
              // the bytes by themselves.
              const rest = resume ? await resume(piece, 0).catch(() => null) : null;
              if (!rest || ended) {
                end();
                throw error;
              }
              stream = rest;
              resumed = true;
            }
            opening.delete(at);
            current = {
              reader: stream.getReader(),
              slice: piece,
              expected: piece.end - piece.start + 1,
              delivered: 0,
              prefetched: false,
              resumed,
            };
          }
          let chunk: Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]>>;
          try {
            chunk = await current.reader.read();
          } catch (error) {
            if (await recover(error)) continue;
            end();
            throw error;
          }
          if (chunk.done) {
            const error = new ShortSegment(
              `segment ${current.slice.index} ended after ${current.delivered} of ${current.expected} bytes`,
            );
            if (await recover(error)) continue;
            end();
            throw error;
          }
          const value = chunk.value;
          if (value.byteLength === 0) continue;
          current.delivered += value.byteLength;
          if (current.delivered > current.expected) {
            const error = new ShortSegment(`segment ${current.slice.index} gave more than ${current.expected} bytes`);
            onBroken?.(current.slice, error);
            end();
            throw error;
          }
          if (!current.prefetched && current.delivered * 2 >= current.expected) {
            current.prefetched = true;
            prefetchFrom(next);
          }
          if (current.delivered === current.expected) {
            void current.reader.cancel().catch(() => undefined);
            onSliceDone?.(current.slice);
            current = null;
          }
          controller.enqueue(value);
          if (!current && next >= plan.length) {
            controller.close();
            end();
          }
          return;
        }
      },
      async cancel(reason) {
        end();
        const reader = current?.reader;
        current = null;
        for (const pending of opening.values()) pending.then((stream) => stream.cancel(reason), () => undefined);
        opening.clear();
        await reader?.cancel(reason);
      },
    },
    // Pull only when the response asks: nothing is held back, so when a segment fails the client
    // has every byte read before it (a read-ahead chunk would be dropped with the error), and a
    // read-ahead measured no faster above the noise.
    { highWaterMark: 0 },
  );
}
