// The counting body against a consumer that sends the way the Compute runtime does: read a
// chunk, write it (synchronously), read the next; when a write fails it stops reading and tells
// nobody.

import { describe, expect, it } from "vitest";
import { countingBody, type BodyEnd } from "../../../src/logs/counting-body.js";

/** A source of `sizes.length` chunks; remembers whether it was cancelled. */
function source(sizes: number[], options: { failAfter?: number; delayMs?: number } = {}) {
  let index = 0;
  const state = { cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      if (options.failAfter !== undefined && index === options.failAfter) {
        controller.error(new Error("origin broke off"));
        return;
      }
      if (index === sizes.length) return controller.close();
      controller.enqueue(new Uint8Array(sizes[index++]!));
    },
    cancel() {
      state.cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { stream, state };
}

/** Sends like the runtime: `accept(n)` says whether the n-th write succeeds. */
async function runtimeLikeSend(body: ReadableStream<Uint8Array>, accept: (n: number) => boolean = () => true) {
  const reader = body.getReader();
  let written = 0;
  for (let n = 0; ; n++) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch {
      return { written, outcome: "errored" as const };
    }
    if (chunk.done) return { written, outcome: "done" as const };
    if (!accept(n)) return { written, outcome: "stopped" as const };
    written += chunk.value.byteLength;
  }
}

function counted(stream: ReadableStream<Uint8Array>, checkEveryMs = 5) {
  const ends: BodyEnd[] = [];
  let resolve!: (end: BodyEnd) => void;
  const ended = new Promise<BodyEnd>((r) => (resolve = r));
  const body = countingBody(stream, (end) => {
    ends.push(end);
    resolve(end);
  }, { checkEveryMs });
  return { body, ends, ended };
}

describe("counting body", () => {
  it("counts every byte of a body that is sent to the end", async () => {
    const { stream } = source([10, 20, 30, 0, 40]);
    const { body, ends, ended } = counted(stream);
    expect(await runtimeLikeSend(body)).toEqual({ written: 100, outcome: "done" });
    expect(await ended).toEqual({ bytes: 100, delivery: "complete" });
    await new Promise((r) => setTimeout(r, 30));
    expect(ends).toHaveLength(1);
  });

  it("counts an empty body as 0 bytes, complete", async () => {
    const { body, ended } = counted(source([]).stream);
    await runtimeLikeSend(body);
    expect(await ended).toEqual({ bytes: 0, delivery: "complete" });
  });

  it("when the client hangs up, counts what was written before and stops the origin", async () => {
    const { stream, state } = source(Array.from({ length: 100 }, () => 1000));
    const { body, ended } = counted(stream);
    const sent = await runtimeLikeSend(body, (n) => n < 37);
    expect(sent).toEqual({ written: 37_000, outcome: "stopped" });
    expect(await ended).toEqual({ bytes: 37_000, delivery: "client-gone" });
    expect(state.cancelled).toBe(true);
  });

  it("a client that hangs up at the first chunk got 0 bytes", async () => {
    const { body, ended } = counted(source([500, 500]).stream);
    await runtimeLikeSend(body, () => false);
    expect(await ended).toEqual({ bytes: 0, delivery: "client-gone" });
  });

  it("is not fooled by a slow origin: waiting for bytes is not a hang-up", async () => {
    const { body, ends, ended } = counted(source([100, 100, 100], { delayMs: 25 }).stream, 1);
    expect(await runtimeLikeSend(body)).toEqual({ written: 300, outcome: "done" });
    expect(await ended).toEqual({ bytes: 300, delivery: "complete" });
    expect(ends).toHaveLength(1);
  });

  it("when the origin breaks off, counts what was written and passes the error on", async () => {
    const { body, ended } = counted(source([100, 200, 300, 400], { failAfter: 2 }).stream);
    expect(await runtimeLikeSend(body)).toEqual({ written: 300, outcome: "errored" });
    expect(await ended).toEqual({ bytes: 300, delivery: "failed" });
  });

  it("a consumer that cancels is a client that went away", async () => {
    const { stream, state } = source([100, 100, 100]);
    const { body, ended } = counted(stream);
    const reader = body.getReader();
    await reader.read();
    await reader.read();
    await reader.cancel("gone");
    expect(await ended).toEqual({ bytes: 100, delivery: "client-gone" });
    expect(state.cancelled).toBe(true);
  });
});

describe("counting body with a declared length", () => {
  it("a body that ends at the declared length is complete", async () => {
    const ends: BodyEnd[] = [];
    const body = countingBody(source([100, 50]).stream, (e) => ends.push(e), { declaredBytes: 150 });
    await runtimeLikeSend(body);
    expect(ends).toEqual([{ bytes: 150, delivery: "complete" }]);
  });

  it("a body that ends short of it (an origin connection that broke off) failed", async () => {
    const ends: BodyEnd[] = [];
    const body = countingBody(source([100, 50]).stream, (e) => ends.push(e), { declaredBytes: 1000 });
    await runtimeLikeSend(body);
    expect(ends).toEqual([{ bytes: 150, delivery: "failed" }]);
  });
});
