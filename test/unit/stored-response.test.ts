import { describe, expect, it } from "vitest";
import { cacheTimes } from "../../src/config/cache-times.js";
import {
  decodeStored,
  encodeStored,
  revalidationHeaders,
  storedResponseFrom,
} from "../../src/cache/stored-response.js";

describe("stored responses", () => {
  const headers = new Headers({
    "content-type": "application/xml",
    etag: '"abc"',
    "last-modified": "Tue, 24 Nov 2026 10:00:00 GMT",
    connection: "keep-alive",
    date: "Tue, 24 Nov 2026 10:00:00 GMT",
    "surrogate-key": "feed",
  });

  it("round-trips through user metadata without per-connection headers, with the origin's Date", () => {
    const stored = storedResponseFrom(200, headers, cacheTimes.feeds);
    const decoded = decodeStored(new TextEncoder().encode(encodeStored(stored)).buffer);
    expect(decoded).toEqual(stored);
    expect(decoded!.headers.map(([n]) => n).sort()).toEqual(["content-type", "date", "etag", "last-modified", "surrogate-key"]);
  });

  it("refuses metadata that is not ours", () => {
    expect(decodeStored("not json")).toBeNull();
    expect(decodeStored('{"status":"200"}')).toBeNull();
    expect(decodeStored(new ArrayBuffer(0))).toBeNull();
  });

  it("asks the origin with the stored validators", () => {
    expect(revalidationHeaders(storedResponseFrom(200, headers, cacheTimes.feeds))).toEqual({
      "if-none-match": '"abc"',
      "if-modified-since": "Tue, 24 Nov 2026 10:00:00 GMT",
    });
    expect(revalidationHeaders(storedResponseFrom(200, new Headers(), cacheTimes.app))).toEqual({});
  });
});
