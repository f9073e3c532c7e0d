import { describe, expect, it } from "vitest";
import { originNames } from "../../src/config/origins.js";
import { health } from "../../src/rules/health.js";
import { edgeRequest } from "./request.js";

describe("rule 1: health", () => {
  for (const host of ["changelog.com", "cdn.changelog.com", "nightly.changelog.com", "127.0.0.1"]) {
    it(`answers GET /health on ${host} with 204 from the edge`, () => {
      expect(health(edgeRequest(`https://${host}/health`))).toMatchObject({ kind: "synthetic", status: 204 });
    });
  }

  for (const origin of originNames) {
    it(`forwards /${origin}_health uncached to ${origin}'s /health`, () => {
      expect(health(edgeRequest(`https://changelog.com/${origin}_health`))).toEqual({
        kind: "origin",
        origin,
        originPath: "/health",
        cache: null,
        passReason: "health",
      });
    });
  }

  it("leaves other paths and methods to later rules", () => {
    expect(health(edgeRequest("https://changelog.com/healthz"))).toBeNull();
    expect(health(edgeRequest("https://changelog.com/health", { method: "POST" }))).toBeNull();
  });
});
