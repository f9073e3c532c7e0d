import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { purgeAuthorized } from "../../src/http/purge-auth.js";
import { purgeRule } from "../../src/rules/purge.js";
import { edgeRequest } from "./request.js";

describe("purge authorization", () => {
  it("accepts exactly the token", () => {
    expect(purgeAuthorized("s3cret", "s3cret")).toBe(true);
    expect(purgeAuthorized("s3cre", "s3cret")).toBe(false);
    expect(purgeAuthorized("s3cretx", "s3cret")).toBe(false);
    expect(purgeAuthorized("", "s3cret")).toBe(false);
    expect(purgeAuthorized(null, "s3cret")).toBe(false);
  });

  it("lets nobody purge when no token is configured", () => {
    expect(purgeAuthorized("", "")).toBe(false);
    expect(purgeAuthorized("anything", null)).toBe(false);
  });

  it("accepts no guess but the token", () => {
    fc.assert(fc.property(fc.string(), fc.string({ minLength: 1 }), (guess, token) => {
      expect(purgeAuthorized(guess, token)).toBe(guess === token);
    }));
  });
});

describe("rule 4: PURGE names the URL's surrogate key", () => {
  it("uses the key the URL is cached under, whatever the slash or query", () => {
    for (const url of ["https://changelog.com/podcast/feed", "https://changelog.com/podcast/feed/?x=1"]) {
      expect(purgeRule(edgeRequest(url, { method: "PURGE" }))).toMatchObject({
        kind: "purge",
        surrogateKey: "changelog.com/podcast/feed",
      });
    }
    expect(purgeRule(edgeRequest("https://cdn.changelog.com/uploads/a.mp3?t=1", { method: "PURGE" }))).toMatchObject({
      surrogateKey: "cdn.changelog.com/uploads/a.mp3",
    });
  });

  it("is not about other methods", () => {
    expect(purgeRule(edgeRequest("https://changelog.com/", { method: "GET" }))).toBeNull();
  });
});
