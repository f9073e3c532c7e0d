import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { origins } from "../../src/config/origins.js";
import { statusWithoutAnswer, worthRetrying } from "../../src/http/origin-failure.js";

const app = origins.app;

describe("origin failures", () => {
  it("retries 5xx answers and instant network failures once", () => {
    expect(worthRetrying({ kind: "status", status: 502 }, app)).toBe(true);
    expect(worthRetrying({ kind: "network", elapsedMs: 3 }, app)).toBe(true);
    expect(statusWithoutAnswer({ kind: "network", elapsedMs: 3 }, app)).toBe(503);
  });

  it("does not retry a timeout and calls it 504", () => {
    const timeout = { kind: "network", elapsedMs: app.firstByteTimeout } as const;
    expect(worthRetrying(timeout, app)).toBe(false);
    expect(statusWithoutAnswer(timeout, app)).toBe(504);
  });

  it("never retries a 4xx", () => {
    fc.assert(fc.property(fc.integer({ min: 100, max: 499 }), (status) => {
      expect(worthRetrying({ kind: "status", status }, app)).toBe(false);
    }));
  });
});
