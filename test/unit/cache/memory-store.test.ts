// The in-memory cache (src/cache/memory-store.ts) behaves as Core Cache is documented to, so
// engine logic tested against it means what it would on Fastly: collapsing, obligations, stale
// items, ages from the clock, Vary, streaming reads, failed inserts, purges.

import { describe, expect, it } from "vitest";
import { MemoryStore } from "../../../src/cache/memory-store.js";

const bytes = (text: string) => new TextEncoder().encode(text);

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new TextDecoder().decode(await new Response(stream).arrayBuffer());
}

/** Whether `promise` is still pending after everything queued so far has run. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol("pending");
  const settled = await Promise.race([promise.then(() => "settled"), new Promise((r) => setTimeout(() => r(marker), 5))]);
  return settled === marker;
}

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("MemoryStore transactions", () => {
  it("collapses concurrent lookups of a missing key: one obligated, the others wait and then read the insert while it is written", async () => {
    const store = new MemoryStore();
    const first = await store.transactionLookup("k");
    expect(first.found()).toBe(false);
    expect(first.mustInsertOrUpdate()).toBe(true);

    const second = store.transactionLookup("k");
    const third = store.transactionLookup("k");
    expect(await isPending(second)).toBe(true);

    const [writer, own] = first.insertAndStreamBack({ maxAge: 60_000, userMetadata: "meta", length: 6 });
    const waiter = await second;
    expect(waiter.found()).toBe(true);
    expect(waiter.mustInsertOrUpdate()).toBe(false);
    expect(waiter.userMetadata()).toBe("meta");
    expect((await third).mustInsertOrUpdate()).toBe(false);

    // Both read while the bytes are still arriving.
    const reading = [text(own.body()), text(waiter.body())];
    writer.append(bytes("abc"));
    writer.append(bytes("def"));
    writer.close();
    expect(await Promise.all(reading)).toEqual(["abcdef", "abcdef"]);
    expect(store.lookups.get("k")).toBe(3);
  });

  it("gives the obligation to a waiter when its holder cancels, or closes without inserting", async () => {
    const store = new MemoryStore();
    const first = await store.transactionLookup("k");
    const second = store.transactionLookup("k");
    first.cancel();
    const next = await second;
    expect(next.found()).toBe(false);
    expect(next.mustInsertOrUpdate()).toBe(true);
    expect(() => first.insert({ maxAge: 1 })).toThrow(/no obligation/);

    const third = store.transactionLookup("k");
    expect(await isPending(third)).toBe(true);
    next.close();
    expect((await third).mustInsertOrUpdate()).toBe(true);
  });

  it("a stale item: one lookup is obligated to freshen it, the others get it at once; an update makes it fresh", async () => {
    const time = clock();
    const store = new MemoryStore(time.now);
    const fill = await store.transactionLookup("k");
    fill.insert({ maxAge: 1_000, staleWhileRevalidate: 10_000, userMetadata: "v1" }).close();

    time.advance(1_500);
    const refresher = await store.transactionLookup("k");
    const other = await store.transactionLookup("k");
    expect([refresher.found(), refresher.stale(), refresher.mustInsertOrUpdate()]).toEqual([true, true, true]);
    expect([other.found(), other.stale(), other.mustInsertOrUpdate()]).toEqual([true, true, false]);

    refresher.update({ maxAge: 1_000, staleWhileRevalidate: 10_000, userMetadata: "v2", initialAge: 200 });
    const after = await store.transactionLookup("k");
    expect([after.stale(), after.mustInsertOrUpdate(), after.userMetadata(), after.age()]).toEqual([false, false, "v2", 200]);
    expect(await text(after.body())).toBe("");
  });

  it("ages by the clock from the initial age, and finds nothing once past max age plus stale-while-revalidate", async () => {
    const time = clock();
    const store = new MemoryStore(time.now);
    store.insert("k", { maxAge: 1_000, staleWhileRevalidate: 500, initialAge: 300 }).close();
    expect(store.lookup("k")?.age()).toBe(300);
    time.advance(699);
    expect(store.lookup("k")?.stale()).toBe(false);
    time.advance(1);
    expect(store.lookup("k")?.stale()).toBe(true);
    time.advance(499);
    expect(store.lookup("k")?.usable()).toBe(true);
    time.advance(1);
    expect(store.lookup("k")).toBeNull();
    expect((await store.transactionLookup("k")).mustInsertOrUpdate()).toBe(true);
  });

  it("keeps one variant per value of the Vary'd request headers", async () => {
    const store = new MemoryStore();
    const one = new Headers({ foo: "1" });
    const two = new Headers({ foo: "2" });
    const tx = await store.transactionLookup("k", one);
    tx.insert({ maxAge: 60_000, vary: ["foo"], userMetadata: "for 1" }).close();
    expect(store.lookup("k", one)?.userMetadata()).toBe("for 1");
    expect(store.lookup("k", two)).toBeNull();
    const other = await store.transactionLookup("k", two);
    expect(other.mustInsertOrUpdate()).toBe(true);
    other.insert({ maxAge: 60_000, vary: ["foo"], userMetadata: "for 2" }).close();
    expect(store.lookup("k", one)?.userMetadata()).toBe("for 1");
    expect(store.lookup("k", two)?.userMetadata()).toBe("for 2");
  });

  it("a failed insert fails its readers and is gone, as production drops it", async () => {
    const store = new MemoryStore();
    const tx = await store.transactionLookup("k");
    const [writer, reader] = tx.insertAndStreamBack({ maxAge: 60_000, length: 10 });
    const reading = text(reader.body());
    writer.append(bytes("abc"));
    writer.abandon();
    await expect(reading).rejects.toThrow(/failed/);
    expect(store.lookup("k")).toBeNull();
  });

  it("an insert that ends short of its declared length fails, as does one whose source errors", async () => {
    const store = new MemoryStore();
    const short = store.insert("short", { maxAge: 60_000, length: 10 });
    short.append(bytes("abc"));
    short.close();
    const broken = store.insert("broken", { maxAge: 60_000 });
    broken.append(new ReadableStream({ start: (c) => (c.enqueue(bytes("ab")), c.error(new Error("reset"))) }));
    broken.close();
    await new Promise((r) => setTimeout(r, 1));
    expect(store.lookup("short")).toBeNull();
    expect(store.lookup("broken")).toBeNull();
  });

  it("reads ranges with an inclusive end, and knows the length once complete", async () => {
    const store = new MemoryStore();
    const writer = store.insert("k", { maxAge: 60_000 });
    expect(store.lookup("k")?.length()).toBeNull();
    writer.append(bytes("0123"));
    writer.append(new ReadableStream({ start: (c) => (c.enqueue(bytes("4567")), c.close()) }));
    writer.close();
    expect(await text(store.lookup("k")!.body({ start: 2, end: 5 }))).toBe("2345");
    expect(store.lookup("k")?.length()).toBe(8);
  });

  it("soft purges mark items stale, hard purges remove them", () => {
    const store = new MemoryStore();
    store.insert("a", { maxAge: 60_000, staleWhileRevalidate: 60_000, surrogateKeys: ["url-a"] }).close();
    store.insert("b", { maxAge: 60_000, surrogateKeys: ["url-b"] }).close();
    store.purge("url-a", true);
    expect(store.lookup("a")?.stale()).toBe(true);
    store.purge("url-b");
    expect(store.lookup("b")).toBeNull();
  });

  it("refuses a closed handle, as the host does", async () => {
    const store = new MemoryStore();
    const tx = await store.transactionLookup("k");
    tx.close();
    expect(() => tx.mustInsertOrUpdate()).toThrow(/invalid cache handle/);
    expect(() => tx.close()).toThrow(/invalid cache handle/);
  });

  it("counts the handles it gave out that are still open, so tests can catch one never closed", async () => {
    const store = new MemoryStore();
    const tx = await store.transactionLookup("k");
    const [writer, reader] = tx.insertAndStreamBack({ maxAge: 60_000, length: 1 });
    writer.append(bytes("x"));
    writer.close();
    expect(store.openHandles()).toBe(2);
    const found = store.lookup("k")!;
    expect(store.openHandles()).toBe(3);
    for (const handle of [tx, reader, found]) handle.close();
    expect(store.openHandles()).toBe(0);
  });
});
