import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShortSegment, streamPlan } from "../../src/cache/segment-stream.js";
import { planBody, segmentRange, type PlannedPiece, type SegmentSlice } from "../../src/cache/segments.js";
import { multipartLayout, textBytes } from "../../src/http/multipart.js";

const object = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7 + 3) & 0xff);
const segment = 700;

/** A stream of a slice of the stand-in object, in chunks of `chunk` bytes, with a log of events. */
function fakeOpener(log: string[], chunk = 64, overrides: Partial<Record<number, (s: SegmentSlice) => ReadableStream<Uint8Array>>> = {}) {
  return async (slice: SegmentSlice): Promise<ReadableStream<Uint8Array>> => {
    log.push(`open ${slice.index}`);
    const custom = overrides[slice.index];
    if (custom) return custom(slice);
    const held = segmentRange(slice.index, object.length, segment);
    const bytes = object.subarray(held.start + slice.start, held.start + slice.end + 1);
    let at = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= bytes.length) return controller.close();
        log.push(`read ${slice.index} @${at}`);
        controller.enqueue(bytes.slice(at, at + chunk));
        at += chunk;
      },
      cancel() {
        log.push(`cancel ${slice.index}`);
      },
    }, { highWaterMark: 0 });
  };
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  return Buffer.concat(parts);
}

describe("streamPlan", () => {
  it("streams text and slices in order, exactly", async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(4999), fc.nat(4999), fc.nat(4999), fc.nat(4999), fc.integer({ min: 1, max: 900 }), async (a, b, c, d, chunk) => {
        const ranges = [
          { start: Math.min(a, b), end: Math.max(a, b) },
          { start: Math.min(c, d), end: Math.max(c, d) },
        ];
        const layout = multipartLayout(ranges, object.length, "audio/mpeg", "B");
        const plan = planBody(layout.pieces, object.length, segment);
        const body = await collect(streamPlan(plan, fakeOpener([], chunk)));
        const expected = Buffer.concat(
          layout.pieces.map((p) => (p.kind === "text" ? textBytes(p.text) : object.subarray(p.range.start, p.range.end + 1))),
        );
        expect(Buffer.compare(body, expected)).toBe(0);
      }),
      { numRuns: 50 },
    );
  });

  it("opens the next segment only once half of the current one has gone out", async () => {
    const log: string[] = [];
    const plan = planBody([{ kind: "bytes", range: { start: 0, end: 2099 } }], object.length, segment);
    await collect(streamPlan(plan, fakeOpener(log, 100), { window: 1 }));
    // 700-byte segments in 100-byte reads: segment 1 opens right after the 4th read of segment 0.
    expect(log.slice(0, 6)).toEqual(["open 0", "read 0 @0", "read 0 @100", "read 0 @200", "read 0 @300", "open 1"]);
    expect(log.filter((l) => l.startsWith("open"))).toEqual(["open 0", "open 1", "open 2"]);
  });

  it("opens a window of segments ahead, never past the plan, each once", async () => {
    const log: string[] = [];
    const plan = planBody([{ kind: "bytes", range: { start: 0, end: 3499 } }], object.length, segment);
    await collect(streamPlan(plan, fakeOpener(log, 100), { window: 3 }));
    expect(log.slice(0, 8)).toEqual(["open 0", "read 0 @0", "read 0 @100", "read 0 @200", "read 0 @300", "open 1", "open 2", "open 3"]);
    expect(log.filter((l) => l.startsWith("open"))).toEqual(["open 0", "open 1", "open 2", "open 3", "open 4"]);
  });

  it("uses the stream the caller already opened for the first slice", async () => {
    const log: string[] = [];
    const plan = planBody([{ kind: "bytes", range: { start: 10, end: 800 } }], object.length, segment);
    const first = await fakeOpener([], 100)(plan[0] as SegmentSlice);
    const body = await collect(streamPlan(plan, fakeOpener(log, 100), { first }));
    expect(Buffer.compare(body, object.subarray(10, 801))).toBe(0);
    expect(log.filter((l) => l.startsWith("open"))).toEqual(["open 1"]);
  });

  it("moves on once a slice's bytes are out, even if its stream has not ended", async () => {
    // A read of a segment still being stored ends only when the whole segment is in (Viceroy).
    const plan = planBody([{ kind: "bytes", range: { start: 0, end: 1399 } }], object.length, segment);
    const neverEnding = (slice: SegmentSlice) => {
      const bytes = object.subarray(slice.index * segment, slice.index * segment + 700);
      let sent = false;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (!sent) controller.enqueue(bytes.slice());
          sent = true;
          return new Promise<void>(() => undefined);
        },
      }, { highWaterMark: 0 });
    };
    const body = await collect(streamPlan(plan, async (slice) => neverEnding(slice)));
    expect(Buffer.compare(body, object.subarray(0, 1400))).toBe(0);
  });

  it("tells the caller which segment broke", async () => {
    const plan = planBody([{ kind: "bytes", range: { start: 0, end: 2099 } }], object.length, segment);
    const broken: number[] = [];
    const failing = () =>
      new ReadableStream<Uint8Array>({
        pull(controller) {
          controller.error(new Error("insert failed"));
        },
      });
    const stream = streamPlan(plan, fakeOpener([], 100, { 1: failing }), { onBroken: (slice) => broken.push(slice.index) });
    await expect(collect(stream)).rejects.toThrow("insert failed");
    expect(broken).toEqual([1]);
  });

  it("resumes a broken slice from where it stopped, once, and the body comes out whole", async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(4999), fc.nat(4999), fc.integer({ min: 0, max: 699 }), fc.boolean(), async (a, b, breakAt, short) => {
        const range = { start: Math.min(a, b), end: Math.max(a, b) };
        const plan = planBody([{ kind: "bytes", range }], object.length, segment);
        const firstSlice = plan.find((p): p is SegmentSlice => p.kind === "segment")!;
        // The first slice's stream gives `cut` bytes, then fails or ends early.
        const cut = Math.min(breakAt, firstSlice.end - firstSlice.start);
        const breaking = (slice: SegmentSlice) => {
          const held = segmentRange(slice.index, object.length, segment);
          const bytes = object.subarray(held.start + slice.start, held.start + slice.start + cut);
          let sent = false;
          return new ReadableStream<Uint8Array>({
            pull(controller) {
              if (!sent && bytes.length > 0) {
                sent = true;
                controller.enqueue(bytes.slice());
              } else if (short) controller.close();
              else controller.error(new Error("insert failed"));
            },
          }, { highWaterMark: 0 });
        };
        const resumes: string[] = [];
        const broken: number[] = [];
        const stream = streamPlan(plan, fakeOpener([], 97, { [firstSlice.index]: breaking }), {
          onBroken: (slice) => broken.push(slice.index),
          resume: async (slice, delivered) => {
            resumes.push(`${slice.index}@${delivered}`);
            return fakeOpener([], 50)({ ...slice, start: slice.start + delivered });
          },
        });
        const body = await collect(stream);
        expect(Buffer.compare(body, object.subarray(range.start, range.end + 1))).toBe(0);
        expect(broken).toEqual([firstSlice.index]);
        expect(resumes).toEqual([`${firstSlice.index}@${cut}`]);
      }),
      { numRuns: 100 },
    );
  });

  it("asks the resumer for all of a slice that cannot be opened, and fails only if it cannot help", async () => {
    const plan = planBody([{ kind: "bytes", range: { start: 0, end: 2099 } }], object.length, segment);
    const opener = fakeOpener([], 100);
    const refusing = (slice: SegmentSlice) => (slice.index === 1 ? Promise.reject(new Error("origin down")) : opener(slice));
    const resumes: string[] = [];
    const body = await collect(
      streamPlan(plan, refusing, {
        resume: async (slice, delivered) => {
          resumes.push(`${slice.index}@${delivered}`);
          return fakeOpener([], 64)(slice);
        },
      }),
    );
    expect(Buffer.compare(body, object.subarray(0, 2100))).toBe(0);
    expect(resumes).toEqual(["1@0"]);

    const unhelpful = streamPlan(plan, refusing, { resume: () => Promise.reject(new Error("still down")) });
    await expect(collect(unhelpful)).rejects.toThrow("origin down");
  });

  it("fails the body when the resumed stream breaks too, or resuming fails", async () => {
    const plan = planBody([{ kind: "bytes", range: { start: 0, end: 1399 } }], object.length, segment);
    const failing = () =>
      new ReadableStream<Uint8Array>({
        pull(controller) {
          controller.error(new Error("insert failed"));
        },
      });
    const broken: number[] = [];
    let resumed = 0;
    const twice = streamPlan(plan, fakeOpener([], 100, { 1: failing }), {
      onBroken: (slice) => broken.push(slice.index),
      resume: async () => {
        resumed++;
        return failing();
      },
    });
    await expect(collect(twice)).rejects.toThrow("insert failed");
    expect([broken, resumed]).toEqual([[1, 1], 1]);

    const refused = streamPlan(plan, fakeOpener([], 100, { 1: failing }), { resume: () => Promise.reject(new Error("origin down")) });
    await expect(collect(refused)).rejects.toThrow("insert failed");
  });

  it("says when each slice is out and when the body has ended, once, however it ends", async () => {
    const plan = planBody([{ kind: "bytes", range: { start: 650, end: 1500 } }], object.length, segment);
    const events: string[] = [];
    const hooks = { onSliceDone: (s: SegmentSlice) => events.push(`done ${s.index}`), onEnd: () => events.push("end") };
    await collect(streamPlan(plan, fakeOpener([], 100), hooks));
    expect(events).toEqual(["done 0", "done 1", "done 2", "end"]);

    events.length = 0;
    const failing = streamPlan(plan, (slice) => (slice.index === 1 ? Promise.reject(new Error("down")) : fakeOpener([], 100)(slice)), hooks);
    await expect(collect(failing)).rejects.toThrow("down");
    expect(events).toEqual(["done 0", "end"]);

    events.length = 0;
    const reader = streamPlan(plan, fakeOpener([], 10), hooks).getReader();
    await reader.read();
    await reader.cancel();
    await reader.cancel();
    expect(events).toEqual(["end"]);
  });

  it("fails the stream, never pads it, when a segment ends early", async () => {
    const plan: PlannedPiece[] = planBody([{ kind: "bytes", range: { start: 0, end: 1399 } }], object.length, segment);
    const short = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new Uint8Array(10));
          controller.close();
        },
      });
    await expect(collect(streamPlan(plan, fakeOpener([], 100, { 1: short })))).rejects.toBeInstanceOf(ShortSegment);
  });

  it("fails the stream when a later segment cannot be opened, after the bytes before it", async () => {
    const plan = planBody([{ kind: "bytes", range: { start: 0, end: 1399 } }], object.length, segment);
    const opener = fakeOpener([], 700);
    const reader = streamPlan(plan, (slice) => (slice.index === 1 ? Promise.reject(new Error("origin down")) : opener(slice))).getReader();
    expect((await reader.read()).value?.length).toBe(700);
    await expect(reader.read()).rejects.toThrow("origin down");
  });

  it("cancels the current and the prefetched segment when the client goes away", async () => {
    const log: string[] = [];
    const plan = planBody([{ kind: "bytes", range: { start: 0, end: 4999 } }], object.length, segment);
    const stream = streamPlan(plan, fakeOpener(log, 100), { window: 1 });
    const reader = stream.getReader();
    for (let i = 0; i < 5; i++) await reader.read();
    await reader.cancel("gone");
    await new Promise((r) => setTimeout(r, 0));
    expect(log).toContain("cancel 0");
    expect(log).toContain("cancel 1");
    expect(log.filter((l) => l.startsWith("open"))).toEqual(["open 0", "open 1"]);
  });
});
