import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allowedMethods } from "../../../src/config/allowed-methods.js";
import { allowedMethod } from "../../../src/rules/allowed-methods.js";
import { edgeRequest } from "../request.js";

const sites = [
  { host: "cdn.changelog.com", allow: "GET, HEAD, OPTIONS, PURGE" },
  { host: "nightly.changelog.com", allow: "GET, HEAD, PURGE" },
] as const;

describe("rule 6: methods on the assets and nightly hosts", () => {
  it("matches the spec's Allow lists", () => {
    expect(allowedMethods.assets?.join(", ")).toBe("GET, HEAD, OPTIONS, PURGE");
    expect(allowedMethods.nightly?.join(", ")).toBe("GET, HEAD, PURGE");
    expect(allowedMethods.app).toBeUndefined();
  });

  for (const { host, allow } of sites) {
    for (const method of allow.split(", ")) {
      it(`lets ${method} through on ${host}`, () => {
        expect(allowedMethod(edgeRequest(`https://${host}/x`, { method }))).toBeNull();
      });
    }

    it(`refuses every other method on ${host} with 405 and Allow: ${allow}`, () => {
      const method = fc.oneof(
        fc.constantFrom("POST", "PUT", "DELETE", "PATCH", "TRACE", "OPTIONS", "CONNECTX", "PROPFIND", "get"),
        fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,16}$/),
      );
      fc.assert(
        fc.property(method, (m) => {
          const req = { ...edgeRequest(`https://${host}/x`), method: m };
          const decision = allowedMethod(req);
          if (allow.split(", ").includes(m)) {
            expect(decision).toBeNull();
            return;
          }
          expect(decision).toMatchObject({ kind: "synthetic", status: 405, headers: { allow } });
          expect((decision as { body: string }).body).toContain(allow);
        }),
      );
    });
  }

  it("leaves the app host's methods to the app", () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      expect(allowedMethod(edgeRequest("https://changelog.com/x", { method }))).toBeNull();
      expect(allowedMethod(edgeRequest("https://127.0.0.1/x", { method }))).toBeNull();
    }
  });
});
