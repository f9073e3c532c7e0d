// The cache engine of pages, feeds and nightly (src/engine/cached.ts) in Node: the same code that
// runs on Core Cache, against the in-memory store (src/cache/memory-store.ts) with a clock the
// test moves, and a fake origin on the request context in place of the backend fetch. What the
// end-to-end tests show under Viceroy in seconds of wall time, this shows in milliseconds, and
// the origin requests are counted exactly. Typechecked with the Compute types, as the engine is
// (tsconfig.edge-tests.json), not with Node's.

import { describe, expect, it } from "vitest";
import { MemoryStore } from "../../../src/cache/memory-store.js";
import type { OriginFetchOptions, RequestContext } from "../../../src/engine/context.js";
import { serveCached } from "../../../src/engine/cached.js";
import { edgeRequest } from "../request.js";

const decision = {
  kind: "origin",
  origin: "feeds",
  originPath: "/podcast/feed",
  cache: { key: "feeds.example/podcast/feed", surrogateKey: "feeds.example/podcast/feed" },
} as const;

/** Fresh for 60 s, then stale-while-revalidate for 30 s, then stale-if-error up to 600 s. */
const times = "max-age=60, stale-while-revalidate=30, stale-if-error=600";

function feed(body: string, etag: string): Response {
  return new Response(body, {
    status: 200,
    headers: { "content-type": "application/xml", "content-length": String(body.length), etag, "surrogate-control": times },
  });
}

type Answer = (options: OriginFetchOptions) => Promise<Response> | Response;

/** One edge: a store, a clock, an origin that answers with `answer` and records each request. */
function edge(answer: Answer) {
  let now = 1_000_000;
  const store = new MemoryStore(() => now);
  const asked: OriginFetchOptions[] = [];
  let background: Promise<unknown>[] = [];
  const request = async () => {
    const event = { waitUntil: (work: Promise<unknown>) => void background.push(work) } as unknown as FetchEvent;
    // Only what the engine and the retry read; the shield and the backend budget belong to the
    // real origin fetch, which the fake replaces.
    const ctx = {
      event,
      req: edgeRequest("https://feeds.example/podcast/feed"),
      requestId: `req-${asked.length}-${background.length}`,
      store,
      origin: async (_: unknown, options: OriginFetchOptions = {}) => {
        asked.push(options);
        return answer(options);
      },
    } satisfies Partial<RequestContext> as unknown as RequestContext;
    const served = await serveCached(ctx, decision);
    return { served, body: await served.response.text() };
  };
  return {
    request,
    asked,
    advance: (seconds: number) => (now += seconds * 1000),
    /** Every waitUntil so far, and what they started in turn. */
    async settle() {
      while (background.length > 0) {
        const running = background;
        background = [];
        await Promise.all(running);
      }
    },
  };
}

const conditional = (options: OriginFetchOptions) => options.headers?.["if-none-match"];

describe("serveCached against the in-memory store", () => {
  it("stores a miss, and answers the next request from the cache without asking the origin", async () => {
    const e = edge(() => feed("<rss>v1</rss>", '"v1"'));
    const first = await e.request();
    await e.settle();
    expect(first.served.cache).toMatchObject({ state: "miss", stored: true });
    expect(first.body).toBe("<rss>v1</rss>");

    e.advance(10);
    const second = await e.request();
    expect(second.served.cache.state).toBe("hit");
    expect(second.body).toBe("<rss>v1</rss>");
    expect(e.asked).toHaveLength(1);
  });

  it("collapses two concurrent misses into one origin request", async () => {
    let answer!: () => void;
    const held = new Promise<void>((resolve) => (answer = resolve));
    const e = edge(async () => {
      await held;
      return feed("<rss>v1</rss>", '"v1"');
    });
    const both = Promise.all([e.request(), e.request()]);
    // Both requests are in before the origin answers: the second waits on the first's insert.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(e.asked).toHaveLength(1);
    answer();
    const [first, second] = await both;
    await e.settle();
    expect(first.body).toBe("<rss>v1</rss>");
    expect(second.body).toBe("<rss>v1</rss>");
    expect(e.asked).toHaveLength(1);
  });

  it("within stale-while-revalidate serves the stale copy at once and refreshes it once in the background", async () => {
    let version = 1;
    let answer!: () => void;
    // The refresh's answer waits until both stale requests are served, so neither can see it.
    const held = new Promise<void>((resolve) => (answer = resolve));
    const e = edge(async () => {
      if (version === 2) await held;
      return feed(`<rss>v${version}</rss>`, `"v${version}"`);
    });
    await e.request();
    await e.settle();

    version = 2;
    e.advance(70);
    const [first, second] = [await e.request(), await e.request()];
    answer();
    for (const stale of [first, second]) {
      expect(stale.served.cache).toMatchObject({ state: "stale", note: "revalidating" });
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
    const e = edge(() =>
      unchanged ? new Response(null, { status: 304, headers: { etag: '"v1"', "surrogate-control": times } }) : feed("<rss>v1</rss>", '"v1"'),
    );
    await e.request();
    await e.settle();

    unchanged = true;
    e.advance(100);
    const revalidated = await e.request();
    expect(e.asked).toHaveLength(2);
    expect(conditional(e.asked[1]!)).toBe('"v1"');
    expect(revalidated.served.cache).toMatchObject({ state: "miss", note: "revalidated" });
    expect(revalidated.body).toBe("<rss>v1</rss>");
    await e.settle();

    e.advance(10);
    const after = await e.request();
    expect(after.served.cache.state).toBe("hit");
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
    expect(fallback.served.cache).toMatchObject({ state: "stale", note: "stale-if-error" });
    expect(fallback.body).toBe("<rss>v1</rss>");
    // The 503 was retried once (src/engine/origin-retry.ts) before the stale copy answered.
    expect(e.asked).toHaveLength(3);
  });
});
