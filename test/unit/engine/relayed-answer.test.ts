// src/engine/relayed-answer.ts: an origin's answer as every uncached route passes it on.

import { describe, expect, it } from "vitest";
import { relayedAnswer } from "../../../src/engine/relayed-answer.js";

function upstream(body: string | null, cancelled: { value: boolean }): Response {
  const stream =
    body === null
      ? null
      : new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(body));
            controller.close();
          },
          cancel() {
            cancelled.value = true;
          },
        });
  return new Response(stream, {
    status: 203,
    statusText: "Non-Authoritative Information",
    headers: { "content-length": String(body?.length ?? 0), connection: "close, x-hop", "x-hop": "1", "keep-alive": "timeout=5", etag: '"a"' },
  });
}

describe("relayedAnswer", () => {
  it("keeps status, reason phrase, end-to-end headers and the body; drops the connection-specific ones", async () => {
    const cancelled = { value: false };
    const answer = relayedAnswer(upstream("hello", cancelled), false);
    expect(answer.status).toBe(203);
    expect(answer.statusText).toBe("Non-Authoritative Information");
    expect(answer.headers.get("etag")).toBe('"a"');
    expect(answer.headers.get("content-length")).toBe("5");
    for (const name of ["connection", "x-hop", "keep-alive"]) expect(answer.headers.has(name)).toBe(false);
    expect(await answer.text()).toBe("hello");
    expect(cancelled.value).toBe(false);
  });

  it("a HEAD: no body, the origin's body (fetched with GET) cancelled, its Content-Length kept", async () => {
    const cancelled = { value: false };
    const answer = relayedAnswer(upstream("hello", cancelled), true);
    expect(answer.body).toBeNull();
    expect(answer.headers.get("content-length")).toBe("5");
    await Promise.resolve();
    expect(cancelled.value).toBe(true);
  });

  it("a HEAD the origin answered without a body", () => {
    const answer = relayedAnswer(upstream(null, { value: false }), true);
    expect(answer.body).toBeNull();
    expect(answer.status).toBe(203);
  });
});
