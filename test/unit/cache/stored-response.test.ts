import { describe, expect, it } from "vitest";
import { cacheTimes } from "../../../src/config/cache-times.js";
import { freshenedWith, originAgeSeconds, storedResponseFrom } from "../../../src/cache/stored-response.js";

const names = (headers: readonly (readonly [string, string])[]) => headers.map(([n]) => n).sort();

describe("what is stored with an object", () => {
  it("keeps the origin's Date, drops its Age (recomputed) and Set-Cookie", () => {
    const stored = storedResponseFrom(
      200,
      new Headers({ date: "Tue, 24 Nov 2026 10:00:00 GMT", age: "30", "content-type": "text/html" }),
      cacheTimes.app,
    );
    expect(stored.headers).toEqual([
      ["content-type", "text/html"],
      ["date", "Tue, 24 Nov 2026 10:00:00 GMT"],
    ]);
  });

  it("never keeps headers the Connection header names, nor the hop-by-hop ones", () => {
    const stored = storedResponseFrom(
      200,
      new Headers({ connection: "X-Secret, keep-alive", "x-secret": "1", "keep-alive": "timeout=5", "x-other": "2" }),
      cacheTimes.app,
    );
    expect(names(stored.headers)).toEqual(["x-other"]);
  });
});

describe("the origin's Age (RFC 9111 §5.1)", () => {
  it("is whole seconds, the first member of a list, 0 when absent or invalid", () => {
    expect(originAgeSeconds(new Headers())).toBe(0);
    expect(originAgeSeconds(new Headers({ age: "30" }))).toBe(30);
    expect(originAgeSeconds(new Headers({ age: "12, 40" }))).toBe(12);
    for (const bad of ["-1", "1.5", "soon", ""]) expect(originAgeSeconds(new Headers({ age: bad }))).toBe(0);
    expect(originAgeSeconds(new Headers({ age: "99999999999" }))).toBe(0);
    expect(originAgeSeconds(new Headers({ age: "9999999999" }))).toBe(2 ** 31 - 1);
  });
});

describe("a 304 freshening a stored response (RFC 9111 §4.3.4)", () => {
  const stored = storedResponseFrom(
    200,
    new Headers({
      "content-type": "application/xml",
      "content-length": "120",
      etag: '"v1"',
      "cache-control": "public, max-age=30",
      date: "Tue, 24 Nov 2026 10:00:00 GMT",
      "x-kept": "old",
    }),
    cacheTimes.feeds,
  );

  it("replaces the headers the 304 carries and keeps the others", () => {
    const fresh = freshenedWith(
      stored,
      new Headers({ "cache-control": "public, max-age=60", date: "Tue, 24 Nov 2026 11:00:00 GMT", "x-new": "1" }),
      cacheTimes.feeds,
    );
    const h = Object.fromEntries(fresh.headers);
    expect(h).toEqual({
      "content-type": "application/xml",
      "content-length": "120",
      etag: '"v1"',
      "cache-control": "public, max-age=60",
      date: "Tue, 24 Nov 2026 11:00:00 GMT",
      "x-kept": "old",
      "x-new": "1",
    });
    expect(fresh.status).toBe(200);
  });

  it("never takes framing, hop-by-hop, Connection-named, Age or Set-Cookie headers from it", () => {
    const fresh = freshenedWith(
      stored,
      new Headers({
        "content-length": "0",
        "content-encoding": "gzip",
        connection: "x-hop",
        "x-hop": "1",
        age: "5",
        "set-cookie": "a=b",
      }),
      cacheTimes.app,
    );
    expect(Object.fromEntries(fresh.headers)["content-length"]).toBe("120");
    expect(names(fresh.headers)).toEqual(names(stored.headers));
    expect(fresh.times).toEqual(cacheTimes.app);
  });
});
