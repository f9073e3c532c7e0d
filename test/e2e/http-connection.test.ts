// The client's `Connection: close` is honoured (RFC 9112 §9.6): the edge says `Connection: close`
// and the connection ends after the answer; without it, the connection stays open for the next
// request.

import { describe, expect, it } from "vitest";
import { head, rawRequest } from "./support/raw-http.js";

describe("Connection: close from the client", () => {
  for (const [name, lines] of [
    ["an edge answer", ["GET /health HTTP/1.1", "Host: changelog.com"]],
    ["an mp3 range from the store", ["GET /uploads/news/1/changelog-news-1.mp3 HTTP/1.1", "Host: cdn.changelog.com", "Range: bytes=0-9"]],
    ["an app page", ["GET / HTTP/1.1", "Host: changelog.com"]],
  ] as const) {
    it(`${name}: answered with Connection: close, then the edge closes the connection`, async () => {
      const answer = await rawRequest(head(...lines, "Connection: close"), { timeoutMs: 5_000 });
      expect(answer.status).not.toBeNull();
      expect(answer.headers.connection).toEqual(["close"]);
    });
  }

  it("without it, the connection stays open after the answer", async () => {
    const started = Date.now();
    const answer = await rawRequest(head("GET /health HTTP/1.1", "Host: changelog.com"), { idleMs: 1_000, timeoutMs: 5_000 });
    expect(answer.status).toBe(204);
    expect(answer.headers.connection).toBeUndefined();
    // Closed by the test once idle, not by the edge at once.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });
});
