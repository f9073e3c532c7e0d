// Core Cache handles are closed exactly once, after their last use: by the code that opened
// them, by background work on them, and by a body streaming out of them (read in full,
// cancelled by the client, failed), with fake handles that record every close().

import { describe, expect, it } from "vitest";
import { closeNow, closerOf, closingWith, Lease } from "../../../src/cache/handle-lifetime.js";

class FakeHandle {
  closes = 0;
  constructor(private readonly failClose = false) {}
  close(): void {
    this.closes++;
    if (this.failClose) throw new Error("invalid cache handle");
  }
}

const bytes = (...chunks: string[]) => chunks.map((c) => new TextEncoder().encode(c));

/** A body of `chunks`, then an error when `fail` is given; records whether it was cancelled. */
function source(chunks: Uint8Array[], fail?: Error) {
  const seen = { cancelled: false as boolean, reason: undefined as unknown };
  let at = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (at < chunks.length) controller.enqueue(chunks[at++]!);
        else if (fail) controller.error(fail);
        else controller.close();
      },
      cancel(reason) {
        seen.cancelled = true;
        seen.reason = reason;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, seen };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe("Lease", () => {
  it("closes on the creator's release when nothing else holds it (no-body answers: HEAD, 304, 412)", () => {
    const handle = new FakeHandle();
    const lease = new Lease(handle);
    expect(handle.closes).toBe(0);
    lease.release();
    expect(handle.closes).toBe(1);
    lease.release();
    expect(handle.closes).toBe(1);
  });

  it("keeps a handle open while its body is read, and closes it when the body is read in full", async () => {
    const handle = new FakeHandle();
    const lease = new Lease(handle);
    const { stream } = source(bytes("ab", "cd"));
    const body = lease.body(stream);
    lease.release();
    expect(handle.closes).toBe(0);
    const reader = body.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("ab");
    expect(handle.closes).toBe(0);
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("cd");
    expect(handle.closes).toBe(0);
    expect((await reader.read()).done).toBe(true);
    expect(handle.closes).toBe(1);
  });

  it("passes every byte through unchanged", async () => {
    const handle = new FakeHandle();
    const { stream } = source(bytes("hello, ", "", "world"));
    expect(await readAll(closingWith(handle, stream))).toBe("hello, world");
    expect(handle.closes).toBe(1);
  });

  it("closes when the client cancels the body mid-way, after cancelling the source", async () => {
    const handle = new FakeHandle();
    const { stream, seen } = source(bytes("ab", "cd", "ef"));
    const reader = closingWith(handle, stream).getReader();
    await reader.read();
    expect(handle.closes).toBe(0);
    await reader.cancel("client gone");
    expect(seen.cancelled).toBe(true);
    expect(seen.reason).toBe("client gone");
    expect(handle.closes).toBe(1);
  });

  it("closes when the body fails, and the failure reaches the reader", async () => {
    const handle = new FakeHandle();
    const { stream } = source(bytes("ab"), new Error("insert broke off"));
    const reader = closingWith(handle, stream).getReader();
    await reader.read();
    await expect(reader.read()).rejects.toThrow("insert broke off");
    expect(handle.closes).toBe(1);
  });

  it("closes once, when the last of the creator, the background work and the body is done (stale-while-revalidate)", async () => {
    const handle = new FakeHandle();
    const lease = new Lease(handle);
    let finishRefresh!: () => void;
    const refresh = lease.during(new Promise<void>((resolve) => (finishRefresh = resolve)));
    const body = lease.body(source(bytes("stale")).stream);
    lease.release();
    expect(await readAll(body)).toBe("stale");
    expect(handle.closes).toBe(0);
    finishRefresh();
    await refresh;
    expect(handle.closes).toBe(1);
  });

  it("closes when background work fails, and passes the failure on", async () => {
    const handle = new FakeHandle();
    const lease = new Lease(handle);
    const work = lease.during(Promise.reject(new Error("origin down")));
    lease.release();
    await expect(work).rejects.toThrow("origin down");
    expect(handle.closes).toBe(1);
  });

  it("closes on an error before any body: the creator's release in a finally", () => {
    const handle = new FakeHandle();
    const serve = () => {
      const lease = new Lease(handle);
      try {
        throw new Error("origin unreachable");
      } finally {
        lease.release();
      }
    };
    expect(serve).toThrow("origin unreachable");
    expect(handle.closes).toBe(1);
  });

  it("a hold's release counts once however often it is called", async () => {
    const handle = new FakeHandle();
    const lease = new Lease(handle);
    const a = lease.hold();
    a();
    a();
    expect(handle.closes).toBe(0);
    lease.release();
    expect(handle.closes).toBe(1);
  });

  it("close() forces it once; later holds and releases do nothing", async () => {
    const handle = new FakeHandle();
    const lease = new Lease(handle);
    const body = lease.body(source(bytes("x")).stream);
    lease.close();
    expect(handle.closes).toBe(1);
    expect(lease.isClosed).toBe(true);
    lease.release();
    await readAll(body);
    lease.hold()();
    expect(handle.closes).toBe(1);
  });

  it("reports, not throws, a close that fails", async () => {
    const handle = new FakeHandle(true);
    const errors: unknown[] = [];
    const lease = new Lease(handle, (error) => errors.push(error));
    expect(() => lease.release()).not.toThrow();
    expect(handle.closes).toBe(1);
    expect(String(errors[0])).toContain("invalid cache handle");
  });
});

describe("closeNow", () => {
  it("closes a handle once, and accepts none", () => {
    const handle = new FakeHandle();
    closeNow(handle);
    expect(handle.closes).toBe(1);
    expect(() => closeNow(null)).not.toThrow();
    expect(() => closeNow(undefined)).not.toThrow();
  });
});

describe("closerOf", () => {
  it("closes each handle once, on the first call only (a segment's read side and its transaction)", () => {
    const reader = new FakeHandle();
    const tx = new FakeHandle();
    const close = closerOf(reader, tx);
    expect(reader.closes + tx.closes).toBe(0);
    close();
    close();
    expect([reader.closes, tx.closes]).toEqual([1, 1]);
  });

  it("a handle whose close fails does not keep the others open", () => {
    const broken = new FakeHandle(true);
    const tx = new FakeHandle();
    expect(() => closerOf(broken, tx)()).not.toThrow();
    expect(tx.closes).toBe(1);
  });
});
