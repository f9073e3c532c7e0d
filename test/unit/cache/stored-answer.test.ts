import { describe, expect, it } from "vitest";
import { storedAnswer } from "../../../src/cache/stored-answer.js";
import { storedResponseFrom } from "../../../src/cache/stored-response.js";
import { cacheTimes } from "../../../src/config/cache-times.js";

const lastModified = "Tue, 24 Nov 2026 10:00:00 GMT";
const stored = storedResponseFrom(
  200,
  new Headers({
    "content-type": "application/rss+xml",
    "content-length": "100",
    etag: 'W/"feed-1"',
    "last-modified": lastModified,
    "cache-control": "public, max-age=60",
    date: lastModified,
    vary: "Accept-Encoding",
    "surrogate-key": "feed",
  }),
  cacheTimes.feeds,
);
const ask = (headers: Record<string, string>, method = "GET", from = stored) => storedAnswer(method, new Headers(headers), from);

describe("a stored response answering a conditional request (RFC 9110 §13.2.2)", () => {
  it("is a 304 with the validators and cache headers, nothing about the body", () => {
    const answer = ask({ "if-none-match": '"feed-1"' });
    expect(answer).toMatchObject({ kind: "not-modified", status: 304 });
    expect(answer.kind === "not-modified" && Object.fromEntries(answer.headers)).toEqual({
      etag: 'W/"feed-1"',
      "last-modified": lastModified,
      "cache-control": "public, max-age=60",
      date: lastModified,
      vary: "Accept-Encoding",
    });
  });

  it("compares If-None-Match weakly, in a list or as *, for GET and HEAD", () => {
    for (const inm of ['W/"feed-1"', '"feed-1"', '"x", W/"feed-1"', "*"]) {
      expect(ask({ "if-none-match": inm }).kind).toBe("not-modified");
      expect(ask({ "if-none-match": inm }, "HEAD").kind).toBe("not-modified");
    }
    expect(ask({ "if-none-match": '"feed-2"' }).kind).toBe("full");
  });

  it("uses If-Modified-Since only without If-None-Match", () => {
    expect(ask({ "if-modified-since": lastModified }).kind).toBe("not-modified");
    expect(ask({ "if-modified-since": "Mon, 23 Nov 2026 10:00:00 GMT" }).kind).toBe("full");
    expect(ask({ "if-none-match": '"other"', "if-modified-since": lastModified }).kind).toBe("full");
    expect(ask({ "if-modified-since": "not a date" }).kind).toBe("full");
  });

  it("fails If-Match with a 412 before looking at If-None-Match", () => {
    expect(ask({ "if-match": '"feed-1"', "if-none-match": '"feed-1"' })).toEqual({ kind: "precondition-failed", status: 412 });
    expect(ask({ "if-match": "*", "if-none-match": '"feed-1"' }).kind).toBe("not-modified");
  });

  it("serves in full without validators or conditions", () => {
    expect(ask({})).toEqual({ kind: "full" });
    const bare = storedResponseFrom(200, new Headers({ "content-type": "text/html" }), cacheTimes.app);
    expect(ask({ "if-none-match": '"x"', "if-modified-since": lastModified }, "GET", bare).kind).toBe("full");
  });

  it("ignores conditions on a stored answer that is not a 2xx (§13.2.1)", () => {
    const notFound = storedResponseFrom(404, new Headers({ etag: '"nf"' }), cacheTimes.app);
    expect(ask({ "if-none-match": '"nf"' }, "GET", notFound)).toEqual({ kind: "full" });
  });
});
