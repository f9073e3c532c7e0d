// Storing bodies without a declared length: which bodies can be checked whole, what a read-back
// of a chunked insert concludes, and the client body that is ended only when the cache vouches.

import { describe, expect, it } from "vitest";
import {
  bodyCheck,
  chunkedReadBackLimit,
  clientBodyEnds,
  endVerdict,
  readBackVerdict,
  type ReadBack,
} from "../../../src/cache/policy.js";
import { vouchedBody } from "../../../src/cache/vouched-body.js";

const h = (init: Record<string, string> = {}) => new Headers(init);

describe("bodyCheck", () => {
  it("a status without a body needs no check", () => {
    expect(bodyCheck(204, h())).toBe("no-body");
    expect(bodyCheck(304, h({ "transfer-encoding": "chunked" }))).toBe("no-body");
  });

  it("a Content-Length is counted against", () => {
    expect(bodyCheck(200, h({ "content-length": "0" }))).toBe("declared-length");
    expect(bodyCheck(404, h({ "content-length": " 12 " }))).toBe("declared-length");
  });

  it("chunked framing, as the last coding, is checked on the host and read back", () => {
    expect(bodyCheck(200, h({ "transfer-encoding": "chunked" }))).toBe("chunked");
    expect(bodyCheck(200, h({ "transfer-encoding": "gzip, Chunked" }))).toBe("chunked");
    // RFC 9112 §6.3: Transfer-Encoding overrides a Content-Length.
    expect(bodyCheck(200, h({ "transfer-encoding": "chunked", "content-length": "3" }))).toBe("chunked");
  });

  it("a body ended by the connection's close cannot be checked, even by the host", () => {
    expect(bodyCheck(200, h())).toBe("unverifiable");
    expect(bodyCheck(200, h({ "content-length": "-1" }))).toBe("unverifiable");
    expect(bodyCheck(200, h({ "content-length": "1, 1" }))).toBe("unverifiable");
    // chunked not last: the response is delimited by the close (§6.3).
    expect(bodyCheck(200, h({ "transfer-encoding": "chunked, gzip" }))).toBe("unverifiable");
    expect(bodyCheck(200, h({ "transfer-encoding": "gzip", "content-length": "3" }))).toBe("unverifiable");
  });
});

describe("endVerdict: a fresh lookup once the body has ended", () => {
  it("whole only when the entry knows its length and it is the bytes read", () => {
    expect(endVerdict(74, { length: 74 })).toBe("whole");
    expect(endVerdict(0, { length: 0 })).toBe("whole");
  });

  it("Viceroy's failed insert (found, no length), a dropped one (nothing) and a mismatch are cuts", () => {
    expect(endVerdict(39, { length: null })).toBe("cut");
    expect(endVerdict(39, null)).toBe("cut");
    expect(endVerdict(39, { length: 74 })).toBe("cut");
  });
});

describe("readBackVerdict", () => {
  const read = (over: Partial<ReadBack>): ReadBack => ({ seen: true, ended: "end", bytes: 74, after: { length: 74 }, ...over });

  it("keeps a whole body", () => {
    expect(readBackVerdict(read({}))).toBe("whole");
  });

  it("a failed insert is a cut, however its read ended", () => {
    expect(readBackVerdict(read({ bytes: 39, after: { length: null } }))).toBe("cut");
    expect(readBackVerdict(read({ bytes: 39, after: null }))).toBe("cut");
    expect(readBackVerdict(read({ ended: "failed", after: { length: 74 } }))).toBe("cut");
  });

  it("a body over the limit is not checked, and nothing seen is nothing to judge", () => {
    expect(readBackVerdict(read({ ended: "limit", bytes: chunkedReadBackLimit + 1 }))).toBe("too-long");
    expect(readBackVerdict(read({ seen: false, bytes: 0, after: null }))).toBe("unseen");
  });
});

describe("clientBodyEnds", () => {
  it("never ends a cut body; ends a whole one when the client had all of it", () => {
    expect(clientBodyEnds(39, "cut", 39)).toBe(false);
    expect(clientBodyEnds(74, "whole", 74)).toBe(true);
    expect(clientBodyEnds(39, "whole", 74)).toBe(false);
  });

  it("an unchecked body ends as a passed one would", () => {
    expect(clientBodyEnds(5, "too-long", chunkedReadBackLimit + 1)).toBe(true);
    expect(clientBodyEnds(5, "unseen", 0)).toBe(true);
  });
});

describe("vouchedBody", () => {
  const source = (...parts: string[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(new TextEncoder().encode(part));
        controller.close();
      },
    });

  async function drain(stream: ReadableStream<Uint8Array>): Promise<{ text: string; error: unknown }> {
    const reader = stream.getReader();
    let text = "";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return { text, error: null };
        text += new TextDecoder().decode(value);
      }
    } catch (error) {
      return { text, error };
    }
  }

  it("passes the bytes and closes when the cache vouches for them, told how many left", async () => {
    const asked: number[] = [];
    const out = await drain(vouchedBody(source("ab", "cde"), async (n) => (asked.push(n), true)));
    expect(out).toEqual({ text: "abcde", error: null });
    expect(asked).toEqual([5]);
  });

  it("errors instead of ending when the cache does not (the client sees a cut)", async () => {
    const out = await drain(vouchedBody(source("ab"), async () => false));
    expect(out.text).toBe("ab");
    expect(String(out.error)).toMatch(/broke off after 2 bytes/);
  });

  it("a failing check is a cut, and a failing source passes its error on", async () => {
    expect((await drain(vouchedBody(source("ab"), () => Promise.reject(new Error("lookup"))))).error).toBeTruthy();
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error("source broke"));
      },
    });
    let asked = false;
    const out = await drain(vouchedBody(failing, async () => (asked = true)));
    expect(String(out.error)).toMatch(/source broke/);
    expect(asked).toBe(false);
  });

  it("a read that gives nothing for idleMs errors the stream and cancels the source; no timer is left behind", async () => {
    let cancelled = false;
    const stalled = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          controller.enqueue(new Uint8Array(3));
        },
        cancel() {
          cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    let asked = false;
    const out = await drain(vouchedBody(stalled, async () => (asked = true), 30));
    expect(out.text.length).toBe(3);
    expect(String(out.error)).toMatch(/no bytes for 30 ms/);
    expect(asked).toBe(false);
    expect(cancelled).toBe(true);
    // A body that keeps flowing within the limit is never cut by it.
    expect((await drain(vouchedBody(source("a", "b"), async () => true, 30))).error).toBeNull();
  });

  it("reads nothing ahead of its consumer, and cancelling reaches the source", async () => {
    let pulls = 0;
    let cancelled: unknown = null;
    const slow = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulls += 1;
          controller.enqueue(new Uint8Array(1));
        },
        cancel(reason) {
          cancelled = reason;
        },
      },
      { highWaterMark: 0 },
    );
    const body = vouchedBody(slow, async () => true);
    await new Promise((r) => setTimeout(r, 10));
    expect(pulls).toBe(0);
    const reader = body.getReader();
    await reader.read();
    await reader.cancel("client gone");
    expect(cancelled).toBe("client gone");
  });
});
