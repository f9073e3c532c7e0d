// The cache engine of pages, feeds and nightly (src/engine/cached.ts) in Node: the same code that
// runs on Core Cache, against the in-memory store (src/cache/memory-store.ts) with a clock the
// test moves, and a fake origin on the request context in place of the backend fetch. What the
// end-to-end tests show under Viceroy in seconds of wall time, this shows in milliseconds, and
// the origin requests are counted exactly. Typechecked with the Compute types, as the engine is
// (tsconfig.edge-tests.json), not with Node's.
//
// Every branch of serveCached has a case here: fresh, stale within and past
// stale-while-revalidate (obligated or not), the synchronous and background revalidations and
// what a 304 or a failure does to them, misses of declared, chunked and null bodies, the
// uncollapsed path, and the HTTP semantics the engine promises on the way (RFC 9110/9111: Vary,
// client conditionals, HEAD, Age and Date, hop-by-hop headers), each with its Cache-Status outcome.

import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryStore } from "../../../src/cache/memory-store.js";
import { writtenBodyBytes } from "../../../src/cache/asset-delivery.js";
import { chunkedReadBackLimit } from "../../../src/cache/policy.js";
import { decodeStored } from "../../../src/cache/stored-response.js";
import { hitForPassSeconds } from "../../../src/config/cache-times.js";
import type { CacheStore, StoreInsertOptions, StoreTransaction } from "../../../src/cache/store.js";
import type { CachePlacement, ToOrigin } from "../../../src/decision.js";
import type { OriginFetchOptions, RequestContext } from "../../../src/engine/context.js";
import { serveCached } from "../../../src/engine/cached.js";
import type { Served } from "../../../src/engine/served.js";
import { originRouting } from "../../../src/rules/origin-routing.js";
import { edgeRequest } from "../request.js";

type Cacheable = ToOrigin & { cache: CachePlacement };

const url = "https://feeds.example/podcast/feed";
const key = "feeds.example/podcast/feed";

const feedDecision: Cacheable = {
  kind: "origin",
  origin: "feeds",
  originPath: "/podcast/feed",
  cache: { key, surrogateKey: key },
};

/** Fresh for 60 s, then stale-while-revalidate for 30 s, then stale-if-error up to 600 s. */
const times = "max-age=60, stale-while-revalidate=30, stale-if-error=600";

const lastModified = "Tue, 01 Oct 2024 10:00:00 GMT";

function feed(body: string, etag: string, extra: Record<string, string> = {}): Response {
  return new Response(body, {
    status: 200,
    headers: { "content-type": "application/xml", "content-length": String(body.length), etag, "surrogate-control": times, ...extra },
  });
}

function notModified(headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 304, headers: { etag: '"v1"', "surrogate-control": times, ...headers } });
}

/**
 * A body streamed part by part (one part a read), then ended, or failed after the parts with
 * `cut` (as an origin connection that breaks off mid-body). A pull source, so the parts are not
 * discarded with the queue when the stream errors.
 */
function streamOf(parts: readonly string[], cut = false): ReadableStream<Uint8Array> {
  const bytes = parts.map((part) => new TextEncoder().encode(part));
  let at = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (at < bytes.length) return controller.enqueue(bytes[at++]!);
        if (cut) controller.error(new Error("connection reset by the origin"));
        else controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}

/** A chunked origin answer (no Content-Length), whole or `cut` after its parts. */
function chunked(parts: readonly string[], { cut = false, headers = {} as Record<string, string> } = {}): Response {
  return new Response(streamOf(parts, cut), {
    status: 200,
    headers: { "content-type": "application/xml", "transfer-encoding": "chunked", etag: '"c1"', "surrogate-control": times, ...headers },
  });
}

type Answer = (options: OriginFetchOptions) => Promise<Response> | Response;

interface Ask {
  readonly url?: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
}

/** One response as the client read it: `body` null when there was no body stream; `cut` when it broke. */
interface Read {
  readonly served: Served;
  readonly status: number;
  readonly headers: Headers;
  readonly body: string | null;
  readonly cut: boolean;
}

async function readOut(served: Served): Promise<Read> {
  const { response } = served;
  const base = { served, status: response.status, headers: response.headers };
  if (response.body === null) return { ...base, body: null, cut: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  const text = () => new TextDecoder().decode(concat(chunks));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { ...base, body: text(), cut: false };
      chunks.push(value);
    }
  } catch {
    return { ...base, body: text(), cut: true };
  }
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((n, chunk) => n + chunk.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return all;
}

/**
 * One edge: a store, a clock, an origin that answers with `answer` (throwing from it is a
 * connection failure) and records each request. Requests default to a GET of the feed.
 */
/** Every edge of the running test, for the handle check after it. */
let edges: { settle(): Promise<void>; store: MemoryStore }[] = [];

afterEach(async () => {
  const checked = edges;
  edges = [];
  for (const e of checked) {
    // Once bodies are read and background work has run, the engine holds no cache handle.
    await e.settle();
    expect(e.store.openHandles(), "cache handles left open").toBe(0);
  }
});

function edge(answer: Answer, decision: Cacheable = feedDecision, storeOf: (memory: MemoryStore) => CacheStore = (memory) => memory) {
  let now = 1_000_000;
  const memory = new MemoryStore(() => now);
  const store = storeOf(memory);
  const asked: OriginFetchOptions[] = [];
  let background: Promise<unknown>[] = [];
  let requests = 0;
  const serve = async (ask: Ask = {}): Promise<Served> => {
    const event = { waitUntil: (work: Promise<unknown>) => void background.push(work) } as unknown as FetchEvent;
    // Only what the engine and the retry read; the shield and the backend budget belong to the
    // real origin fetch, which the fake replaces.
    const ctx = {
      event,
      req: edgeRequest(ask.url ?? url, { ...(ask.method ? { method: ask.method } : {}), ...(ask.headers ? { headers: ask.headers } : {}) }),
      requestId: `req-${requests++}`,
      store,
      origin: async (_: unknown, options: OriginFetchOptions = {}) => {
        asked.push(options);
        return answer(options);
      },
    } satisfies Partial<RequestContext> as unknown as RequestContext;
    return serveCached(ctx, decision);
  };
  const made = {
    store: memory,
    asked,
    /** Served and read to its end (or its break). */
    request: async (ask: Ask = {}) => readOut(await serve(ask)),
    /** Served, the body left unread. */
    serve,
    advance: (seconds: number) => (now += seconds * 1000),
    /** Every waitUntil so far, and what they started in turn. */
    async settle() {
      while (background.length > 0) {
        const running = background;
        background = [];
        await Promise.all(running);
      }
    },
    /** The stored copy a plain lookup finds now (its length and metadata), or null. */
    storedNow(headers?: Record<string, string>) {
      const entry = store.lookup(decision.cache.key, headers ? new Headers(headers) : undefined);
      if (!entry) return null;
      const found = { length: entry.length(), metadata: entry.userMetadata() };
      entry.close();
      return found;
    },
  };
  edges.push(made);
  return made;
}

/**
 * The store as a platform would be that took no declared length from an insert (the insert
 * completes with whatever bytes it got): the engine's own count of a fill is then all that
 * keeps a short body from being stored as whole.
 */
function lengthBlind(memory: MemoryStore): CacheStore {
  const blind = (options: StoreInsertOptions): StoreInsertOptions => {
    const { length: _declared, ...rest } = options;
    return rest;
  };
  return {
    lookup: (key, headers) => memory.lookup(key, headers),
    insert: (key, options) => memory.insert(key, options),
    async transactionLookup(key, headers) {
      const tx = await memory.transactionLookup(key, headers);
      return new Proxy(tx, {
        get(target, name) {
          if (name === "insertAndStreamBack") return (options: StoreInsertOptions) => target.insertAndStreamBack(blind(options));
          if (name === "insert") return (options: StoreInsertOptions) => target.insert(blind(options));
          const value: unknown = Reflect.get(target, name);
          return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      }) as StoreTransaction;
    },
  };
}

/** A promise and the function that resolves it: an origin answer the test lets through. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const conditional = (options: OriginFetchOptions) => options.headers?.["if-none-match"];
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("serveCached against the in-memory store", () => {
  it("stores a miss, and answers the next request from the cache without asking the origin", async () => {
    const e = edge(() => feed("<rss>v1</rss>", '"v1"'));
    const first = await e.request();
    await e.settle();
    expect(first.served.cache).toEqual({ state: "miss", fwd: "uri-miss", stored: true, ttl: 60, age: 0, hits: 0, origin: "feeds" });
    expect(first.body).toBe("<rss>v1</rss>");
    expect(e.asked[0]).toMatchObject({ method: "GET" });

    e.advance(10);
    const second = await e.request();
    expect(second.served.cache).toEqual({ state: "hit", age: 10, ttl: 50, hits: 1, origin: "feeds" });
    expect(second.body).toBe("<rss>v1</rss>");
    expect(second.headers.get("content-length")).toBe("13");
    expect(e.asked).toHaveLength(1);
  });

  it("collapses two concurrent misses into one origin request", async () => {
    const held = gate();
    const e = edge(async () => {
      await held.opened;
      return feed("<rss>v1</rss>", '"v1"');
    });
    const both = Promise.all([e.request(), e.request()]);
    // Both requests are in before the origin answers: the second waits on the first's insert.
    await tick();
    expect(e.asked).toHaveLength(1);
    held.open();
    const [first, second] = await both;
    await e.settle();
    expect(first.body).toBe("<rss>v1</rss>");
    expect(second.body).toBe("<rss>v1</rss>");
    expect(first.served.cache).toMatchObject({ state: "miss", stored: true });
    // The collapsed one read the insert of the first: a hit on its copy.
    expect(second.served.cache.state).toBe("hit");
    expect(e.asked).toHaveLength(1);
  });

  it("within stale-while-revalidate serves the stale copy at once and refreshes it once in the background", async () => {
    let version = 1;
    const held = gate();
    // The refresh's answer waits until both stale requests are served, so neither can see it.
    const e = edge(async () => {
      if (version === 2) await held.opened;
      return feed(`<rss>v${version}</rss>`, `"v${version}"`);
    });
    await e.request();
    await e.settle();

    version = 2;
    e.advance(70);
    const [first, second] = [await e.request(), await e.request()];
    held.open();
    for (const stale of [first, second]) {
      expect(stale.served.cache).toMatchObject({ state: "stale", fwd: "stale", note: "revalidating", age: 70, ttl: -10 });
      expect(stale.body).toBe("<rss>v1</rss>");
    }
    await e.settle();
    // One refresh for both stale answers, conditional on the stored validator.
    expect(e.asked).toHaveLength(2);
    expect(conditional(e.asked[1]!)).toBe('"v1"');

    const after = await e.request();
    expect(after.served.cache.state).toBe("hit");
    expect(after.body).toBe("<rss>v2</rss>");
    expect(e.asked).toHaveLength(2);
  });

  it("past stale-while-revalidate asks the origin first, and a 304 makes the stored copy fresh again", async () => {
    let unchanged = false;
    const e = edge(() => (unchanged ? notModified() : feed("<rss>v1</rss>", '"v1"', { "last-modified": lastModified })));
    await e.request();
    await e.settle();

    unchanged = true;
    e.advance(100);
    const revalidated = await e.request();
    expect(e.asked).toHaveLength(2);
    expect(e.asked[1]!.headers).toEqual({ "if-none-match": '"v1"', "if-modified-since": lastModified });
    expect(revalidated.served.cache).toMatchObject({ state: "miss", fwd: "stale", stored: true, ttl: 60, age: 0, note: "revalidated" });
    expect(revalidated.body).toBe("<rss>v1</rss>");
    await e.settle();

    e.advance(10);
    const after = await e.request();
    expect(after.served.cache).toMatchObject({ state: "hit", age: 10, ttl: 50 });
    expect(after.body).toBe("<rss>v1</rss>");
    expect(e.asked).toHaveLength(2);
  });

  it("past stale-while-revalidate serves the stale copy when the origin fails (stale-if-error)", async () => {
    let down = false;
    const e = edge(() => (down ? new Response("down", { status: 503 }) : feed("<rss>v1</rss>", '"v1"')));
    await e.request();
    await e.settle();

    down = true;
    e.advance(100);
    const fallback = await e.request();
    expect(fallback.served.response.status).toBe(200);
    expect(fallback.served.cache).toMatchObject({ state: "stale", fwd: "stale", note: "stale-if-error", age: 100, ttl: -40 });
    expect(fallback.body).toBe("<rss>v1</rss>");
    // The 503 was retried once (src/engine/origin-retry.ts) before the stale copy answered.
    expect(e.asked).toHaveLength(3);
  });

  it("past stale-while-revalidate answers a changed 200 and stores it in place of the stale copy", async () => {
    let version = 1;
    const e = edge(() => feed(`<rss>v${version}</rss>`, `"v${version}"`));
    await e.request();
    await e.settle();

    version = 2;
    e.advance(100);
    const changed = await e.request();
    expect(changed.served.cache).toMatchObject({ state: "miss", fwd: "stale", stored: true, ttl: 60 });
    expect(changed.body).toBe("<rss>v2</rss>");
    await e.settle();
    const after = await e.request();
    expect(after.served.cache.state).toBe("hit");
    expect(after.body).toBe("<rss>v2</rss>");
    expect(e.asked).toHaveLength(2);
  });

  it("past stale-while-revalidate, requests that find another one revalidating get the stale copy at once", async () => {
    let version = 1;
    const held = gate();
    const e = edge(async () => {
      if (version === 2) await held.opened;
      return feed(`<rss>v${version}</rss>`, `"v${version}"`);
    });
    await e.request();
    await e.settle();

    version = 2;
    e.advance(100);
    const obligated = e.request();
    await tick();
    const other = await e.request();
    expect(other.served.cache).toMatchObject({ state: "stale", fwd: "stale", note: "refresh-in-flight" });
    expect(other.body).toBe("<rss>v1</rss>");
    held.open();
    expect((await obligated).body).toBe("<rss>v2</rss>");
    expect(e.asked).toHaveLength(2);
  });

  it("a soft purge makes a fresh copy stale (revalidated in the background), a hard one removes it", async () => {
    const e = edge(() => feed("<rss>v1</rss>", '"v1"', { "surrogate-key": "podcast-feeds" }));
    await e.request();
    await e.settle();

    e.store.purge(key, true);
    const soft = await e.request();
    expect(soft.served.cache).toMatchObject({ state: "stale", note: "revalidating" });
    await e.settle();
    expect(e.asked).toHaveLength(2);

    // The origin's own Surrogate-Key is one the object is purged by as well.
    e.store.purge("podcast-feeds");
    const hard = await e.request();
    expect(hard.served.cache).toMatchObject({ state: "miss", fwd: "uri-miss", stored: true });
    expect(e.asked).toHaveLength(3);
  });
});

describe("Vary (RFC 9111 §4.1)", () => {
  it("keeps one variant per value of the named request header, and serves each only to its own", async () => {
    const e = edge((options) => {
      void options;
      return feed(`<rss>foo ${e.asked.length}</rss>`, `"v${e.asked.length}"`, { vary: "Foo" });
    });
    const one = await e.request({ headers: { foo: "1" } });
    await e.settle();
    expect(one.served.cache).toMatchObject({ state: "miss", stored: true });
    expect(one.headers.get("vary")).toBe("Foo");

    // Foo: 2 does not get Foo: 1's copy: a second variant is fetched and stored beside it.
    const two = await e.request({ headers: { foo: "2" } });
    await e.settle();
    expect(two.served.cache).toMatchObject({ state: "miss", fwd: "uri-miss", stored: true });
    expect(two.body).toBe("<rss>foo 2</rss>");
    expect(e.asked).toHaveLength(2);

    // Without the header at all is a third variant (its value is "absent").
    const none = await e.request();
    await e.settle();
    expect(none.body).toBe("<rss>foo 3</rss>");

    const again = [await e.request({ headers: { foo: "1" } }), await e.request({ headers: { foo: "2" } }), await e.request()];
    expect(again.map((r) => r.served.cache.state)).toEqual(["hit", "hit", "hit"]);
    expect(again.map((r) => r.body)).toEqual(["<rss>foo 1</rss>", "<rss>foo 2</rss>", "<rss>foo 3</rss>"]);
    expect(e.asked).toHaveLength(3);
  });

  it("never reuses a Vary: * answer: each request goes to the origin and it is passed", async () => {
    const e = edge(() => feed("<rss>star</rss>", '"s"', { vary: "Accept, *" }));
    for (let i = 1; i <= 2; i++) {
      const r = await e.request();
      await e.settle();
      expect(r.body).toBe("<rss>star</rss>");
      expect(r.served.cache).toEqual(
        i === 1 ? { state: "miss", fwd: "uri-miss", origin: "feeds", note: "vary-star" } : { state: "pass", fwd: "bypass", origin: "feeds", note: "hit-for-pass vary-star" },
      );
      expect(r.served.hostBody).toBe(true);
      expect(e.asked).toHaveLength(i);
    }
    // Only the hit-for-pass marker: no body, nothing of the answer.
    expect(e.storedNow()?.length).toBe(0);
  });
});

describe("client conditionals answered from the cache (RFC 9110 §13.2.2)", () => {
  /** An edge holding a fresh copy with ETag "v1" and Last-Modified `lastModified`. */
  async function cachedEdge(etag = '"v1"') {
    const e = edge(() => feed("<rss>v1</rss>", etag, { "last-modified": lastModified, "cache-control": "max-age=30", date: lastModified }));
    await e.request();
    await e.settle();
    return e;
  }

  function expectNotModified(r: Read, etag = '"v1"') {
    expect(r.status).toBe(304);
    expect(r.body).toBeNull();
    expect(r.headers.has("content-length")).toBe(false);
    expect(r.headers.has("content-type")).toBe(false);
    expect(r.headers.get("etag")).toBe(etag);
    expect(r.headers.get("cache-control")).toBe("max-age=30");
    expect(r.headers.get("last-modified")).toBe(lastModified);
    expect(r.headers.get("date")).toBe(lastModified);
    expect(r.served.cache).toMatchObject({ state: "hit", origin: "feeds" });
  }

  it("If-None-Match: a weak comparison, `*` and lists answer 304 without a body or Content-Length", async () => {
    const e = await cachedEdge();
    for (const inm of ['"v1"', 'W/"v1"', "*", '"x", "v1"', '"x",W/"v1"']) {
      expectNotModified(await e.request({ headers: { "if-none-match": inm } }));
    }
    // A stored weak tag matches a strong one of the same opaque value too.
    const weak = await cachedEdge('W/"v1"');
    expectNotModified(await weak.request({ headers: { "if-none-match": '"v1"' } }), 'W/"v1"');

    const other = await e.request({ headers: { "if-none-match": '"x", "y"' } });
    expect(other.status).toBe(200);
    expect(other.body).toBe("<rss>v1</rss>");
    expect(e.asked).toHaveLength(1);
  });

  it("If-Modified-Since: 304 when the copy is not newer, the full answer when it is", async () => {
    const e = await cachedEdge();
    expectNotModified(await e.request({ headers: { "if-modified-since": lastModified } }));
    expectNotModified(await e.request({ headers: { "if-modified-since": "Wed, 02 Oct 2024 10:00:00 GMT" } }));
    const older = await e.request({ headers: { "if-modified-since": "Mon, 30 Sep 2024 10:00:00 GMT" } });
    expect(older.status).toBe(200);
    expect(older.body).toBe("<rss>v1</rss>");
    // A date that does not parse is ignored.
    expect((await e.request({ headers: { "if-modified-since": "yesterday" } })).status).toBe(200);
  });

  it("If-None-Match takes precedence over If-Modified-Since", async () => {
    const e = await cachedEdge();
    // The tag does not match: the date, which would say 304, is not looked at.
    const full = await e.request({ headers: { "if-none-match": '"old"', "if-modified-since": lastModified } });
    expect(full.status).toBe(200);
    expect(full.body).toBe("<rss>v1</rss>");
    // The tag matches: 304, though the date alone would have asked for the body.
    expectNotModified(await e.request({ headers: { "if-none-match": '"v1"', "if-modified-since": "Mon, 30 Sep 2024 10:00:00 GMT" } }));
  });

  it("If-Match or If-Unmodified-Since failing is a 412 without a body; If-Match holding serves the copy", async () => {
    const e = await cachedEdge();
    const failing: Record<string, string>[] = [{ "if-match": '"v2"' }, { "if-match": 'W/"v1"' }, { "if-unmodified-since": "Mon, 30 Sep 2024 10:00:00 GMT" }];
    for (const headers of failing) {
      const failed = await e.request({ headers });
      expect(failed.status).toBe(412);
      expect(failed.body).toBeNull();
      expect(failed.served.cache.state).toBe("hit");
    }
    for (const headers of [{ "if-match": '"v1"' }, { "if-match": "*" }, { "if-match": '"v2", "v1"' }]) {
      const held = await e.request({ headers });
      expect(held.status).toBe(200);
      expect(held.body).toBe("<rss>v1</rss>");
    }
    expect(e.asked).toHaveLength(1);
  });

  it("a HEAD with a matching validator is a 304 too", async () => {
    const e = await cachedEdge();
    expectNotModified(await e.request({ method: "HEAD", headers: { "if-none-match": '"v1"' } }));
    expectNotModified(await e.request({ method: "HEAD", headers: { "if-modified-since": lastModified } }));
    const full = await e.request({ method: "HEAD", headers: { "if-none-match": '"v0"' } });
    expect(full.status).toBe(200);
    expect(full.body).toBeNull();
  });

  it("on a miss, the client's conditionals are not sent to the origin; the new copy answers them and is stored whole", async () => {
    const e = edge(() => feed("<rss>v1</rss>", '"v1"'));
    const first = await e.request({ headers: { "if-none-match": '"v1"' } });
    await e.settle();
    expect(e.asked[0]!.drop).toEqual(expect.arrayContaining(["if-none-match", "if-modified-since", "if-match", "range"]));
    expect(first.status).toBe(304);
    expect(first.served.cache).toMatchObject({ state: "miss", stored: true });

    const next = await e.request();
    expect(next.served.cache.state).toBe("hit");
    expect(next.body).toBe("<rss>v1</rss>");
    expect(e.asked).toHaveLength(1);
  });

  it("ignores conditionals on a stored answer that is not a 2xx (§13.2.1)", async () => {
    const e = edge(() => new Response("gone", { status: 404, headers: { "content-length": "4", etag: '"nf"', "surrogate-control": times } }));
    await e.request();
    await e.settle();
    const r = await e.request({ headers: { "if-none-match": '"nf"' } });
    expect(r.status).toBe(404);
    expect(r.body).toBe("gone");
  });
});

describe("HEAD (RFC 9110 §9.3.2)", () => {
  it("is answered from the GET's copy: its Content-Length, no body", async () => {
    const e = edge(() => feed("<rss>v1</rss>", '"v1"'));
    await e.request();
    await e.settle();
    const head = await e.request({ method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
    expect(head.headers.get("content-length")).toBe("13");
    expect(head.headers.get("etag")).toBe('"v1"');
    expect(head.served.cache.state).toBe("hit");
    expect(e.asked).toHaveLength(1);
  });

  it("on a miss fetches with GET and stores the GET's body, which the next GET is served", async () => {
    const e = edge(() => feed("<rss>v1</rss>", '"v1"'));
    const head = await e.request({ method: "HEAD" });
    expect(e.asked[0]!.method).toBe("GET");
    expect(head.body).toBeNull();
    expect(head.headers.get("content-length")).toBe("13");
    expect(head.served.cache).toMatchObject({ state: "miss", stored: true });
    await e.settle();
    const get = await e.request();
    expect(get.served.cache.state).toBe("hit");
    expect(get.body).toBe("<rss>v1</rss>");
    expect(e.asked).toHaveLength(1);
  });

  it("of a chunked copy carries the length the cache counted", async () => {
    const e = edge(() => chunked(["<rss>", "c1", "</rss>"]));
    await e.request();
    await e.settle();
    const head = await e.request({ method: "HEAD" });
    expect(head.body).toBeNull();
    expect(head.headers.get("content-length")).toBe("13");
    expect(head.headers.has("transfer-encoding")).toBe(false);
  });

  it("of an answer that is passed has no body either", async () => {
    const e = edge(() => feed("<rss>private</rss>", '"p"', { "cache-control": "private" }));
    const head = await e.request({ method: "HEAD" });
    expect(head.body).toBeNull();
    expect(head.served.cache).toMatchObject({ state: "miss", note: "cache-control-private" });
  });
});

describe("Authorization (RFC 9111 §3.5)", () => {
  it("a request with it never reaches the engine; an answer the origin marks private is never shared", async () => {
    // The routing passes every request carrying Authorization (src/rules/origin-routing.ts), so
    // no cached copy can answer it and its answer is never stored, whatever the origin says.
    const authorized = originRouting(edgeRequest("https://changelog.com/podcast/feed", { headers: { authorization: "Bearer x" } }));
    expect(authorized).toMatchObject({ cache: null, passReason: "authorization" });
    const anonymous = originRouting(edgeRequest("https://changelog.com/podcast/feed"));
    expect(anonymous.cache).not.toBeNull();

    // What the engine itself owes: an answer for one user (private) is passed, not stored.
    const e = edge(() => feed("<rss>mine</rss>", '"m"', { "cache-control": "private, max-age=60" }), anonymous as Cacheable);
    for (let i = 1; i <= 2; i++) {
      const r = await e.request({ url: "https://changelog.com/podcast/feed" });
      await e.settle();
      expect(r.body).toBe("<rss>mine</rss>");
      expect(r.served.cache).toEqual(
        i === 1
          ? { state: "miss", fwd: "uri-miss", origin: "feeds", note: "cache-control-private" }
          : { state: "pass", fwd: "bypass", origin: "feeds", note: "hit-for-pass cache-control-private" },
      );
      expect(e.asked).toHaveLength(i);
    }
  });

  it("answers with Set-Cookie, no-store or no-cache are passed too", async () => {
    for (const [headers, note] of [
      [{ "set-cookie": "a=1" }, "set-cookie"],
      [{ "cache-control": "no-store" }, "cache-control-no-store"],
      [{ "cache-control": "no-cache" }, "cache-control-no-cache"],
      [{ "surrogate-control": "no-store" }, "surrogate-control-no-store"],
    ] as const) {
      const e = edge(() => feed("<rss>x</rss>", '"x"', headers));
      await e.request();
      await e.settle();
      const again = await e.request();
      expect(again.served.cache).toMatchObject({ state: "pass", note: `hit-for-pass ${note}` });
      expect(e.asked).toHaveLength(2);
    }
  });
});

describe("the origin's Age and Date (RFC 9111 §4.2.3, RFC 9110 §6.6.1)", () => {
  it("a copy starts as old as the origin's Age and ages with the clock; Date is kept, Age is not replayed", async () => {
    const date = "Tue, 01 Oct 2024 10:00:00 GMT";
    const e = edge(() => feed("<rss>v1</rss>", '"v1"', { age: "20", date }));
    const miss = await e.request();
    await e.settle();
    expect(miss.served.cache).toMatchObject({ state: "miss", age: 20, ttl: 40 });
    expect(miss.headers.get("date")).toBe(date);
    // Age is the cache's to compute for every answer (from served.cache.age), not the origin's.
    expect(miss.headers.has("age")).toBe(false);

    e.advance(5);
    const hit = await e.request();
    expect(hit.served.cache).toMatchObject({ state: "hit", age: 25, ttl: 35 });
    expect(hit.headers.get("date")).toBe(date);
    expect(hit.headers.has("age")).toBe(false);

    // Stale 40 s after it was stored, not 60.
    e.advance(36);
    const stale = await e.request();
    expect(stale.served.cache).toMatchObject({ state: "stale", age: 61, note: "revalidating" });
  });

  it("an Age that is not a number counts as none", async () => {
    const e = edge(() => feed("<rss>v1</rss>", '"v1"', { age: "soon" }));
    const miss = await e.request();
    expect(miss.served.cache).toMatchObject({ age: 0, ttl: 60 });
  });
});

describe("a 304 from the origin updates the stored copy (RFC 9111 §4.3.4)", () => {
  const updated = {
    etag: '"v1"',
    "cache-control": "max-age=5",
    "x-version": "2",
    date: "Wed, 02 Oct 2024 10:00:00 GMT",
    "surrogate-control": "max-age=120, stale-while-revalidate=30, stale-if-error=600",
    // Framing headers of a 304 never replace the stored body's.
    "content-length": "999",
    "content-encoding": "gzip",
  };

  function origin304() {
    let unchanged = false;
    const e = edge(() =>
      unchanged ? notModified(updated) : feed("<rss>v1</rss>", '"v1"', { "x-version": "1", "cache-control": "max-age=1", date: "Tue, 01 Oct 2024 10:00:00 GMT" }),
    );
    return { e, unchange: () => (unchanged = true) };
  }

  function expectUpdated(r: Read) {
    expect(r.status).toBe(200);
    expect(r.body).toBe("<rss>v1</rss>");
    expect(r.headers.get("x-version")).toBe("2");
    expect(r.headers.get("cache-control")).toBe("max-age=5");
    expect(r.headers.get("date")).toBe("Wed, 02 Oct 2024 10:00:00 GMT");
    expect(r.headers.get("content-length")).toBe("13");
    expect(r.headers.get("content-type")).toBe("application/xml");
    expect(r.headers.has("content-encoding")).toBe(false);
  }

  it("on the synchronous revalidation: the answer and later hits carry its headers and its times", async () => {
    const { e, unchange } = origin304();
    await e.request();
    await e.settle();
    unchange();
    e.advance(100);
    const revalidated = await e.request();
    expectUpdated(revalidated);
    expect(revalidated.served.cache).toMatchObject({ state: "miss", fwd: "stale", stored: true, ttl: 120, age: 0, note: "revalidated" });
    await e.settle();

    // Fresh for the 304's 120 s, not the first answer's 60.
    e.advance(100);
    const hit = await e.request();
    expect(hit.served.cache).toMatchObject({ state: "hit", ttl: 20 });
    expectUpdated(hit);
    expect(e.asked).toHaveLength(2);
  });

  it("on the synchronous revalidation, the 304's Age is the copy's new age", async () => {
    let unchanged = false;
    const e = edge(() => (unchanged ? notModified({ age: "15" }) : feed("<rss>v1</rss>", '"v1"')));
    await e.request();
    await e.settle();
    unchanged = true;
    e.advance(100);
    const revalidated = await e.request();
    expect(revalidated.served.cache).toMatchObject({ state: "miss", note: "revalidated", age: 15, ttl: 45 });
    await e.settle();
    e.advance(5);
    expect((await e.request()).served.cache).toMatchObject({ state: "hit", age: 20, ttl: 40 });
  });

  it("on the background refresh: later hits carry its headers and its times", async () => {
    const { e, unchange } = origin304();
    await e.request();
    await e.settle();
    unchange();
    e.advance(70);
    const stale = await e.request();
    expect(stale.headers.get("x-version")).toBe("1");
    await e.settle();
    expect(conditional(e.asked[1]!)).toBe('"v1"');

    e.advance(100);
    const hit = await e.request();
    expect(hit.served.cache).toMatchObject({ state: "hit", ttl: 20 });
    expectUpdated(hit);
    expect(e.asked).toHaveLength(2);
  });

  it("a 304 on the background refresh that makes the copy unstorable evicts it", async () => {
    let unchanged = false;
    const e = edge(() => (unchanged ? notModified({ "cache-control": "no-store" }) : feed("<rss>v1</rss>", '"v1"')));
    await e.request();
    await e.settle();
    unchanged = true;
    e.advance(70);
    const stale = await e.request();
    expect(stale.served.cache.state).toBe("stale");
    await e.settle();
    expect(e.storedNow()).toBeNull();

    unchanged = false;
    const next = await e.request();
    expect(next.served.cache).toMatchObject({ state: "miss", fwd: "uri-miss", stored: true });
    expect(e.asked).toHaveLength(3);
  });

  it("the 304's hop-by-hop headers do not reach the stored copy", async () => {
    let unchanged = false;
    const e = edge(() =>
      unchanged ? notModified({ connection: "x-hop", "x-hop": "1", "keep-alive": "timeout=5", "x-new": "1" }) : feed("<rss>v1</rss>", '"v1"'),
    );
    await e.request();
    await e.settle();
    unchanged = true;
    e.advance(100);
    const revalidated = await e.request();
    await e.settle();
    const hit = await e.request();
    for (const r of [revalidated, hit]) {
      expect(r.headers.get("x-new")).toBe("1");
      for (const name of ["connection", "x-hop", "keep-alive"]) expect(r.headers.has(name)).toBe(false);
    }
  });
});

describe("hop-by-hop headers (RFC 9110 §7.6.1)", () => {
  const hops = {
    connection: "X-Hop, close",
    "x-hop": "secret",
    "keep-alive": "timeout=5",
    "proxy-connection": "keep-alive",
    upgrade: "h2c",
    trailer: "x-checksum",
    te: "trailers",
    "x-kept": "yes",
  };
  const dropped = ["connection", "x-hop", "keep-alive", "proxy-connection", "upgrade", "trailer", "te", "transfer-encoding"];

  it("are neither stored nor served, on the miss and on the hit", async () => {
    const e = edge(() => feed("<rss>v1</rss>", '"v1"', hops));
    const miss = await e.request();
    await e.settle();
    const hit = await e.request();
    for (const r of [miss, hit]) {
      expect(r.headers.get("x-kept")).toBe("yes");
      for (const name of dropped) expect(r.headers.has(name)).toBe(false);
    }
    const stored = JSON.parse(e.storedNow()!.metadata) as { headers: [string, string][] };
    expect(stored.headers.map(([name]) => name)).not.toEqual(expect.arrayContaining(["x-hop"]));
    for (const name of dropped) expect(stored.headers.some(([n]) => n === name)).toBe(false);
  });

  it("of a chunked answer are dropped too (Transfer-Encoding describes the origin's hop)", async () => {
    const e = edge(() => chunked(["<rss>", "c1", "</rss>"], { headers: hops }));
    const miss = await e.request();
    await e.settle();
    const hit = await e.request();
    for (const r of [miss, hit]) {
      expect(r.headers.get("x-kept")).toBe("yes");
      for (const name of dropped) expect(r.headers.has(name)).toBe(false);
    }
  });

  it("of an answer that is passed are dropped as well", async () => {
    const e = edge(() => feed("<rss>v1</rss>", '"v1"', { ...hops, "cache-control": "no-store" }));
    const passed = await e.request();
    expect(passed.served.cache.note).toBe("cache-control-no-store");
    expect(passed.headers.get("x-kept")).toBe("yes");
    for (const name of dropped) expect(passed.headers.has(name)).toBe(false);
  });
});

describe("null-body and error statuses", () => {
  it("a 204 is stored and served without a body or Content-Length", async () => {
    const e = edge(() => new Response(null, { status: 204, headers: { "content-length": "0", "surrogate-control": times, "x-empty": "1" } }));
    const miss = await e.request();
    await e.settle();
    const hit = await e.request();
    for (const r of [miss, hit]) {
      expect(r.status).toBe(204);
      expect(r.body).toBeNull();
      expect(r.headers.has("content-length")).toBe(false);
      expect(r.headers.get("x-empty")).toBe("1");
    }
    expect(miss.served.cache).toMatchObject({ state: "miss", stored: true, ttl: 60 });
    expect(hit.served.cache.state).toBe("hit");
    expect(e.asked).toHaveLength(1);
  });

  it("a 205 (null body, not storable) is passed without a body", async () => {
    const e = edge(() => new Response(null, { status: 205, headers: { "surrogate-control": times } }));
    const r = await e.request();
    expect(r.status).toBe(205);
    expect(r.body).toBeNull();
    expect(r.served.cache).toMatchObject({ state: "miss", note: "status-205" });
    await e.request();
    expect(e.asked).toHaveLength(2);
  });

  it("a 404 is stored and served as a 404 (storePolicy stores it), with the origin's times or the feeds defaults", async () => {
    const e = edge(() => new Response("not here", { status: 404, headers: { "content-length": "8" } }));
    const miss = await e.request();
    await e.settle();
    // No Surrogate-Control: the feeds row of src/config/cache-times.ts (45 s fresh).
    expect(miss.served.cache).toMatchObject({ state: "miss", stored: true, ttl: 45 });
    e.advance(10);
    const hit = await e.request();
    expect(hit.status).toBe(404);
    expect(hit.body).toBe("not here");
    expect(hit.served.cache).toMatchObject({ state: "hit", ttl: 35 });
    expect(e.asked).toHaveLength(1);
  });

  it("a 302 and a 400 are not stored", async () => {
    for (const status of [302, 400]) {
      const e = edge(() => new Response("x", { status, headers: { "content-length": "1", "surrogate-control": times } }));
      const r = await e.request();
      expect(r.status).toBe(status);
      expect(r.served.cache).toMatchObject({ state: "miss", note: `status-${status}` });
      await e.request();
      expect(e.asked).toHaveLength(2);
    }
  });
});

describe("bodies without a Content-Length", () => {
  it("a whole chunked body is stored, streamed to the miss, and served with its counted length later", async () => {
    const e = edge(() => chunked(["<rss>", "c1", "</rss>"]));
    const miss = await e.request();
    await e.settle();
    expect(miss.body).toBe("<rss>c1</rss>");
    expect(miss.cut).toBe(false);
    expect(miss.headers.has("content-length")).toBe(false);
    expect(miss.served.cache).toMatchObject({ state: "miss", stored: true, ttl: 60 });
    expect(e.storedNow()?.length).toBe(13);

    const hit = await e.request();
    expect(hit.served.cache.state).toBe("hit");
    expect(hit.body).toBe("<rss>c1</rss>");
    expect(hit.headers.get("content-length")).toBe("13");
    expect(e.asked).toHaveLength(1);
  });

  it("a chunked body that breaks off is never ended as whole, and is not there for the next request", async () => {
    let cut = true;
    const e = edge(() => chunked(["<rss>", "c1"], { cut }));
    const miss = await e.request();
    await e.settle();
    expect(miss.cut).toBe(true);
    // Some of its bytes, maybe (the failed insert fails the readers at once), never an end.
    expect("<rss>c1".startsWith(miss.body!)).toBe(true);
    expect(e.storedNow()).toBeNull();

    cut = false;
    const next = await e.request();
    expect(next.served.cache).toMatchObject({ state: "miss", fwd: "uri-miss", stored: true });
    expect(next.body).toBe("<rss>c1");
    expect(next.cut).toBe(false);
    expect(e.asked).toHaveLength(2);
  });

  it("a request collapsed onto a chunked insert that breaks off sees it broken too", async () => {
    const held = gate();
    const e = edge(async () => {
      await held.opened;
      return chunked(["<rss>", "c1"], { cut: true });
    });
    const both = Promise.all([e.request(), e.request()]);
    await tick();
    held.open();
    const [first, second] = await both;
    await e.settle();
    expect(first.cut).toBe(true);
    expect(second.cut).toBe(true);
    expect(e.asked).toHaveLength(1);
    expect(e.storedNow()).toBeNull();
  });

  it("a chunked body longer than the read-back checks is served to its miss but evicted, unchecked", async () => {
    const big = "x".repeat(chunkedReadBackLimit + 1);
    const e = edge(() => chunked([big.slice(0, 600_000), big.slice(600_000)]));
    const miss = await e.request();
    await e.settle();
    expect(miss.cut).toBe(false);
    expect(miss.body?.length).toBe(big.length);
    expect(e.storedNow()).toBeNull();
    const next = await e.request();
    expect(next.served.cache).toMatchObject({ state: "miss", stored: true });
    expect(e.asked).toHaveLength(2);
  });

  it("a body delimited by the connection's close is passed, never stored (length-unknown)", async () => {
    const e = edge(() => new Response(streamOf(["<rss>", "u</rss>"]), { status: 200, headers: { "surrogate-control": times } }));
    const r = await e.request();
    expect(r.body).toBe("<rss>u</rss>");
    expect(r.served.cache).toEqual({ state: "miss", fwd: "uri-miss", origin: "feeds", note: "length-unknown" });
    expect(r.served.hostBody).toBe(true);
    await e.request();
    expect(e.asked).toHaveLength(2);
  });
});

describe("bodies with a Content-Length that do not hold it", () => {
  function declared(length: number, parts: readonly string[], cut = false): Response {
    return new Response(streamOf(parts, cut), {
      status: 200,
      headers: { "content-length": String(length), etag: '"d"', "surrogate-control": times },
    });
  }

  it("a body that ends short is abandoned: the miss sees it broken, and it is not stored", async () => {
    let short = true;
    const e = edge(() => (short ? declared(13, ["<rss>", "d"]) : declared(13, ["<rss>", "d1", "</rss>"])));
    const miss = await e.request();
    await e.settle();
    expect(miss.cut).toBe(true);
    expect("<rss>d".startsWith(miss.body!)).toBe(true);
    expect(e.storedNow()).toBeNull();

    short = false;
    const next = await e.request();
    expect(next.served.cache).toMatchObject({ state: "miss", fwd: "uri-miss", stored: true });
    expect(next.body).toBe("<rss>d1</rss>");
    expect(e.asked).toHaveLength(2);
  });

  it("is abandoned by the engine's own count, even where the store would take it without its declared length", async () => {
    let short = true;
    const e = edge(() => (short ? declared(13, ["<rss>", "d"]) : declared(13, ["<rss>", "d1", "</rss>"])), feedDecision, lengthBlind);
    const miss = await e.request();
    await e.settle();
    expect(miss.cut).toBe(true);
    expect(e.storedNow()).toBeNull();
    short = false;
    const next = await e.request();
    expect(next.served.cache).toMatchObject({ state: "miss", fwd: "uri-miss", stored: true });
    expect(next.body).toBe("<rss>d1</rss>");
  });

  it("a body whose stream fails mid-way, or that runs past its length, is abandoned too", async () => {
    for (const answer of [() => declared(13, ["<rss>", "d1"], true), () => declared(5, ["<rss>", "more"])]) {
      const e = edge(answer);
      const miss = await e.request();
      await e.settle();
      expect(miss.cut).toBe(true);
      expect(e.storedNow()).toBeNull();
    }
  });
});

describe("the background refresh keeps the stale copy unless it got a whole new one", () => {
  async function staleEdge(refreshed: () => Response) {
    let first = true;
    const e = edge(() => {
      if (first) {
        first = false;
        return feed("<rss>v1</rss>", '"v1"');
      }
      return refreshed();
    });
    await e.request();
    await e.settle();
    e.advance(70);
    const stale = await e.request();
    expect(stale.served.cache).toMatchObject({ state: "stale", note: "revalidating" });
    await e.settle();
    return e;
  }

  it("a whole chunked refresh replaces it", async () => {
    const e = await staleEdge(() => chunked(["<rss>", "c2", "</rss>"]));
    const after = await e.request();
    expect(after.served.cache.state).toBe("hit");
    expect(after.body).toBe("<rss>c2</rss>");
    expect(after.headers.get("content-length")).toBe("13");
  });

  it("a chunked refresh that breaks off is dropped; the stale copy stays", async () => {
    const e = await staleEdge(() => chunked(["<rss>", "c2"], { cut: true }));
    const after = await e.request();
    expect(after.served.cache.state).toBe("stale");
    expect(after.body).toBe("<rss>v1</rss>");
  });

  it("a refresh whose body ends short of, or runs past, its Content-Length is dropped; the stale copy stays", async () => {
    for (const body of [["<rss>", "v2"], ["<rss>", "v2</rss>", "extra"]]) {
      const e = await staleEdge(() => new Response(streamOf(body), { headers: { "content-length": "13", etag: '"v2"', "surrogate-control": times } }));
      const after = await e.request();
      expect(after.served.cache.state).toBe("stale");
      expect(after.body).toBe("<rss>v1</rss>");
    }
  });

  it("a refresh whose body stream fails is dropped; the stale copy stays", async () => {
    const e = await staleEdge(() => new Response(streamOf(["<rss>", "v2"], true), { headers: { "content-length": "13", "surrogate-control": times } }));
    const after = await e.request();
    expect(after.served.cache.state).toBe("stale");
    expect(after.body).toBe("<rss>v1</rss>");
  });

  it("a refresh that fails, is unstorable or of unknown length leaves the stale copy", async () => {
    for (const refreshed of [
      () => new Response("down", { status: 502 }),
      () => feed("<rss>v2</rss>", '"v2"', { "set-cookie": "a=1" }),
      () => new Response(streamOf(["<rss>v2</rss>"]), { headers: { "surrogate-control": times } }),
    ]) {
      const e = await staleEdge(refreshed);
      const after = await e.request();
      expect(after.served.cache.state).toBe("stale");
      expect(after.body).toBe("<rss>v1</rss>");
    }
  });

  it("a connection failure on the refresh is retried once, then the stale copy stays", async () => {
    const e = await staleEdge(() => {
      throw new TypeError("connection refused");
    });
    expect(e.asked).toHaveLength(3);
    expect((await e.request()).body).toBe("<rss>v1</rss>");
  });

  it("a refresh larger than an answer may write replaces the copy with a marker; the body is the readthrough cache's", async () => {
    const large = "x".repeat(writtenBodyBytes + 1);
    const e = await staleEdge(() => feed(large, '"v2"'));
    expect(e.storedNow()?.length).toBe(0);
    expect(e.asked[1]?.readthrough).toBeUndefined();
    const next = await e.request();
    expect(next.served.cache).toEqual({ state: "pass", fwd: "bypass", origin: "feeds", note: "larger-than-an-answer http-cache" });
    expect(next.served.hostBody).toBe(true);
    expect(next.body).toBe(large);
    expect(e.asked[2]?.readthrough).toEqual({ ttl: 60, swr: 30, surrogateKeys: [key] });
  });
});

describe("bodies larger than an answer may write out of Core Cache (bodyHome)", () => {
  const large = "x".repeat(writtenBodyBytes + 1);

  it("a miss hands the origin body to the host and stores a marker; later requests ask the readthrough cache", async () => {
    const e = edge(() => feed(large, '"big"', { "surrogate-key": "feed-all" }));
    const first = await e.request();
    await e.settle();
    expect(first.served.cache).toEqual({ state: "miss", fwd: "uri-miss", stored: true, ttl: 60, age: 0, origin: "feeds", note: "larger-than-an-answer http-cache" });
    expect(first.served.hostBody).toBe(true);
    expect(first.body).toBe(large);
    expect(first.headers.get("content-length")).toBe(String(large.length));
    // The first fetch bypassed the readthrough cache, as every fetch of this engine does.
    expect(e.asked[0]?.readthrough).toBeUndefined();
    expect(e.storedNow()?.length).toBe(0);

    e.advance(10);
    const second = await e.request();
    expect(second.served.cache).toEqual({ state: "pass", fwd: "bypass", origin: "feeds", note: "larger-than-an-answer http-cache" });
    expect(second.served.hostBody).toBe(true);
    expect(second.body).toBe(large);
    // Kept by the readthrough cache with the object's times and purged by the same keys.
    expect(e.asked[1]).toMatchObject({ method: "GET", readthrough: { ttl: 60, swr: 30, surrogateKeys: [key, "feed-all"] } });
    expect(e.asked).toHaveLength(2);
  });

  it("a body of exactly the most an answer writes stays in Core Cache", async () => {
    const most = "y".repeat(writtenBodyBytes);
    const e = edge(() => feed(most, '"most"'));
    await e.request();
    await e.settle();
    const hit = await e.request();
    expect(hit.served.cache.state).toBe("hit");
    expect(hit.served.hostBody).toBeUndefined();
    expect(hit.body).toBe(most);
    expect(e.asked).toHaveLength(1);
  });

  it("concurrent misses: the one that fetched has the body, the collapsed one finds the marker", async () => {
    const held = gate();
    const e = edge(async () => {
      await held.opened;
      return feed(large, '"big"');
    });
    const both = Promise.all([e.request(), e.request()]);
    await tick();
    expect(e.asked).toHaveLength(1);
    held.open();
    const [first, second] = await both;
    expect(first.served.cache.state).toBe("miss");
    expect(second.served.cache.state).toBe("pass");
    expect(first.body).toBe(large);
    expect(second.body).toBe(large);
    expect(e.asked.map((a) => a.readthrough !== undefined)).toEqual([false, true]);
  });

  it("answers client validators and HEAD from the readthrough answer's headers, without a body", async () => {
    const e = edge(() => feed(large, '"big"', { "last-modified": lastModified }));
    await e.request();
    const matched = await e.request({ headers: { "if-none-match": 'W/"big"' } });
    expect(matched.status).toBe(304);
    expect(matched.body).toBeNull();
    expect(matched.headers.get("etag")).toBe('"big"');
    expect(matched.headers.get("content-length")).toBeNull();
    const notMatched = await e.request({ headers: { "if-none-match": '"old"' } });
    expect(notMatched.status).toBe(200);
    expect(notMatched.body).toBe(large);
    const failed = await e.request({ headers: { "if-match": '"old"' } });
    expect(failed.status).toBe(412);
    const head = await e.request({ method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
    expect(head.headers.get("content-length")).toBe(String(large.length));
    // The client's validators never reach the origin: the edge compares them itself.
    expect(e.asked.every((a) => a.headers?.["if-none-match"] === undefined && a.drop?.includes("if-none-match"))).toBe(true);
  });

  it("a marker gone stale is stored afresh from the readthrough answer: a marker again, or the body once it is small", async () => {
    let body = large;
    const e = edge(() => feed(body, body === large ? '"big"' : '"small"'));
    await e.request();
    e.advance(70);
    const stillLarge = await e.request();
    await e.settle();
    expect(stillLarge.served.cache).toMatchObject({ state: "miss", fwd: "stale", stored: true, note: "larger-than-an-answer http-cache" });
    expect(stillLarge.body).toBe(large);
    expect(e.asked[1]?.readthrough).toBeDefined();
    expect(e.storedNow()?.length).toBe(0);

    e.advance(70);
    body = "<rss>small</rss>";
    const shrunk = await e.request();
    await e.settle();
    expect(shrunk.served.cache).toMatchObject({ state: "miss", fwd: "stale", stored: true });
    expect(shrunk.body).toBe(body);
    const hit = await e.request();
    expect(hit.served.cache.state).toBe("hit");
    expect(hit.body).toBe(body);
    expect(e.asked).toHaveLength(3);
  });

  it("a readthrough request that fails is passed on (no stale-if-error there), and the marker stays", async () => {
    let down = false;
    const e = edge(() => {
      if (down) throw new TypeError("connection refused");
      return feed(large, '"big"');
    });
    await e.request();
    down = true;
    const failed = await e.request();
    expect(failed.status).toBe(503);
    expect(failed.served.cache).toMatchObject({ state: "pass", note: "larger-than-an-answer http-cache origin-failed" });
    // Retried once, like every origin fetch of a cacheable request.
    expect(e.asked).toHaveLength(3);
    expect(e.storedNow()?.length).toBe(0);
  });
});

describe("answers that cannot be stored are remembered (hit-for-pass)", () => {
  const personal = () => feed("<rss>yours</rss>", '"y"', { "set-cookie": "session=1" });

  it("the first miss is collapsed as any; once its answer says no, the waiters go to the origin together", async () => {
    const held = gate();
    const e = edge(async () => {
      await held.opened;
      return personal();
    });
    const all = Promise.all([e.request(), e.request(), e.request()]);
    await tick();
    expect(e.asked).toHaveLength(1);
    held.open();
    const answers = await all;
    expect(answers.map((a) => a.served.cache.state)).toEqual(["miss", "pass", "pass"]);
    expect(answers.every((a) => a.body === "<rss>yours</rss>")).toBe(true);
    expect(e.asked).toHaveLength(3);
  });

  it("requests that find the marker never wait on one another: each is its own origin request at once", async () => {
    let held = gate();
    const e = edge(async () => {
      await held.opened;
      return personal();
    });
    held.open();
    await e.request();
    held = gate();
    const all = Promise.all([e.request(), e.request(), e.request()]);
    await tick();
    // All three are at the origin before any answer came back: none queued behind another.
    expect(e.asked).toHaveLength(4);
    held.open();
    for (const answer of await all) {
      expect(answer.served.cache).toEqual({ state: "pass", fwd: "bypass", origin: "feeds", note: "hit-for-pass set-cookie" });
      expect(answer.headers.get("set-cookie")).toBe("session=1");
    }
  });

  it("a passed request is the client's own: its validators and Range reach the origin, and the origin's 304 or 206 is passed on", async () => {
    const e = edge((options) => {
      if (options.pass) return new Response(null, { status: 304, headers: { etag: '"y"' } });
      return personal();
    });
    await e.request();
    const revalidated = await e.request({ headers: { "if-none-match": '"y"', range: "bytes=0-3" } });
    expect(revalidated.status).toBe(304);
    expect(e.asked[1]).toEqual({ pass: true });
  });

  it("lasts hitForPassSeconds; after it, an answer that may be stored now is stored", async () => {
    let cookie = true;
    const e = edge(() => (cookie ? personal() : feed("<rss>all</rss>", '"a"')));
    await e.request();
    cookie = false;
    e.advance(hitForPassSeconds - 1);
    expect((await e.request()).served.cache.state).toBe("pass");
    e.advance(2);
    const stored = await e.request();
    await e.settle();
    expect(stored.served.cache).toMatchObject({ state: "miss", fwd: "uri-miss", stored: true });
    expect((await e.request()).served.cache.state).toBe("hit");
    expect(e.asked).toHaveLength(3);
  });

  it("a purge of the URL clears it (hard), or has the next request ask again (soft)", async () => {
    for (const soft of [false, true]) {
      let cookie = true;
      const e = edge(() => (cookie ? personal() : feed("<rss>all</rss>", '"a"')));
      await e.request();
      cookie = false;
      e.store.purge(key, soft);
      const after = await e.request();
      await e.settle();
      expect(after.served.cache, soft ? "soft" : "hard").toMatchObject({ state: "miss", fwd: "uri-miss", stored: true });
      expect((await e.request()).served.cache.state).toBe("hit");
    }
  });

  it("keeps to the variant it was about (Vary)", async () => {
    const e = edge((options) =>
      options.pass || e.asked.length === 1
        ? feed("<rss>gz</rss>", '"g"', { vary: "Accept-Encoding", "set-cookie": "a=1" })
        : feed("<rss>plain</rss>", '"p"', { vary: "Accept-Encoding" }),
    );
    await e.request({ headers: { "accept-encoding": "gzip" } });
    expect((await e.request({ headers: { "accept-encoding": "gzip" } })).served.cache.state).toBe("pass");
    const other = await e.request({ headers: { "accept-encoding": "identity" } });
    expect(other.served.cache).toMatchObject({ state: "miss", stored: true });
  });

  it("a stale copy is not replaced by a marker: the revalidation that gets an unstorable answer keeps it for stale-if-error", async () => {
    let cookie = false;
    const e = edge(() => (cookie ? personal() : feed("<rss>v1</rss>", '"v1"')));
    await e.request();
    await e.settle();
    cookie = true;
    e.advance(100);
    const revalidated = await e.request();
    expect(revalidated.served.cache).toMatchObject({ state: "miss", fwd: "stale", note: "set-cookie" });
    expect(decodeStored(e.storedNow()!.metadata)?.body).toBeUndefined();
  });
});

describe("a request the cache cannot collapse goes to the origin itself", () => {
  it("a waiter whose obligated request gave up (its origin failed) fetches and stores for itself", async () => {
    const held = gate();
    const e = edge(async () => {
      if (e.asked.length <= 2) {
        await held.opened;
        throw new TypeError("connection refused");
      }
      return feed("<rss>v1</rss>", '"v1"');
    });
    const first = e.request();
    await tick();
    const waiter = e.request();
    await tick();
    expect(e.store.isObligated(key)).toBe(true);
    expect(e.asked).toHaveLength(1);
    held.open();
    const failed = await first;
    expect(failed.status).toBe(503);
    expect(failed.served.cache).toMatchObject({ state: "miss", note: "origin-failed" });
    const own = await waiter;
    await e.settle();
    expect(own.body).toBe("<rss>v1</rss>");
    expect(own.served.cache).toMatchObject({ state: "miss", fwd: "uri-miss", stored: true });
    expect(e.asked).toHaveLength(3);
    expect((await e.request()).served.cache.state).toBe("hit");
  });

  it("an entry that is not the edge's (found, not obligated) is passed around: each request asks the origin, nothing is stored", async () => {
    let down = false;
    const e = edge(() => (down ? new Response("down", { status: 500, headers: { "content-length": "4" } }) : feed("<rss>v1</rss>", '"v1"')));
    e.store.insert(key, { maxAge: 60_000, userMetadata: "not ours", length: 0 }).close();
    for (let i = 1; i <= 2; i++) {
      const r = await e.request();
      await e.settle();
      expect(r.body).toBe("<rss>v1</rss>");
      expect(r.served.cache).toEqual({ state: "miss", fwd: "uri-miss", origin: "feeds" });
      expect(r.served.hostBody).toBe(true);
      expect(e.asked).toHaveLength(i);
    }
    expect(e.storedNow()?.metadata).toBe("not ours");

    const head = await e.request({ method: "HEAD" });
    expect(head.body).toBeNull();

    // Its origin failure is retried once and passed (no stale copy to fall back on).
    down = true;
    const failed = await e.request();
    expect(failed.status).toBe(500);
    expect(failed.served.cache).toEqual({ state: "miss", fwd: "uri-miss", origin: "feeds" });
    expect(e.asked).toHaveLength(5);
  });
});

describe("origin failures (src/engine/origin-retry.ts, src/http/origin-failure.ts)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Throws as a timeout does: only after longer than connecting can take (the feeds origin's 1 s + slack). */
  function timeout(): never {
    vi.setSystemTime(Date.now() + 15_000);
    throw new TypeError("first byte timeout");
  }

  it("a 5xx on a miss is retried exactly once; the second 5xx is passed as the answer", async () => {
    const e = edge(() => new Response("boom", { status: 500, headers: { "content-length": "4" } }));
    const r = await e.request();
    expect(e.asked).toHaveLength(2);
    expect(r.status).toBe(500);
    expect(r.body).toBe("boom");
    expect(r.served.cache).toEqual({ state: "miss", fwd: "uri-miss", origin: "feeds", note: "origin-failed" });
    expect(e.storedNow()).toBeNull();
  });

  it("a 5xx followed by a good answer stores the good one", async () => {
    const e = edge(() => (e.asked.length === 1 ? new Response("bad gateway", { status: 502 }) : feed("<rss>v1</rss>", '"v1"')));
    const r = await e.request();
    await e.settle();
    expect(e.asked).toHaveLength(2);
    expect(r.body).toBe("<rss>v1</rss>");
    expect(r.served.cache).toMatchObject({ state: "miss", stored: true });
  });

  it("a 4xx is not retried", async () => {
    const e = edge(() => new Response("no", { status: 403, headers: { "content-length": "2" } }));
    const r = await e.request();
    expect(r.status).toBe(403);
    expect(e.asked).toHaveLength(1);
  });

  it("a connection failure with no stale copy is retried once, then answered 503", async () => {
    const e = edge(() => {
      throw new TypeError("connection refused");
    });
    const r = await e.request();
    expect(e.asked).toHaveLength(2);
    expect(r.status).toBe(503);
    expect(r.headers.get("retry-after")).toBe("5");
    expect(r.headers.get("cache-control")).toBe("no-store");
    expect(r.body).toContain("could not be reached");
    expect(r.served.cache).toEqual({ state: "miss", fwd: "uri-miss", origin: "feeds", note: "origin-failed" });
    expect(e.storedNow()).toBeNull();
  });

  it("a timeout is not retried and is answered 504", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const e = edge(() => timeout());
    const r = await e.request();
    expect(e.asked).toHaveLength(1);
    expect(r.status).toBe(504);
    expect(r.body).toContain("did not answer in time");
    expect(r.served.cache).toMatchObject({ state: "miss", note: "origin-failed" });
  });

  it("a timeout past stale-while-revalidate serves the stale copy, asking once", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    let down = false;
    const e = edge(() => (down ? timeout() : feed("<rss>v1</rss>", '"v1"')));
    await e.request();
    await e.settle();
    down = true;
    e.advance(100);
    const r = await e.request();
    expect(r.body).toBe("<rss>v1</rss>");
    expect(r.served.cache).toMatchObject({ state: "stale", note: "stale-if-error" });
    expect(e.asked).toHaveLength(2);
  });

  it("past every stale window there is no copy left: a failing origin is a 503", async () => {
    let down = false;
    const e = edge(() => {
      if (down) throw new TypeError("connection refused");
      return feed("<rss>v1</rss>", '"v1"');
    });
    await e.request();
    await e.settle();
    down = true;
    // 60 s fresh + 600 s stale-if-error.
    e.advance(660);
    const r = await e.request();
    expect(r.status).toBe(503);
    expect(r.served.cache).toMatchObject({ state: "miss", fwd: "uri-miss", note: "origin-failed" });
  });
});
