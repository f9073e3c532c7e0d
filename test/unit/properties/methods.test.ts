// Methods, for any method token a client sends (RFC 9110 §9.1): only GET and HEAD are ever
// cached, the read-only sites never let another method reach an origin, PURGE is only ever a
// purge, uploads go through the long-timeout backend and nothing else does. Methods are read
// case-insensitively (`get` is GET), as the request view upper-cases them.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allowedMethods } from "../../../src/config/allowed-methods.js";
import { appUploads, backendFor, originNames } from "../../../src/config/origins.js";
import { decide } from "../../../src/router.js";
import { hostileMethod, hostileRequest, hostileTarget } from "./hostile.js";

const sites = fc.constantFrom("changelog.com", "cdn.changelog.com", "nightly.changelog.com", "127.0.0.1");

describe("any method on any site", () => {
  it("gets a decision; only GET and HEAD are ever cached", () => {
    fc.assert(
      fc.property(sites, hostileTarget, hostileMethod, (host, target, method) => {
        const req = hostileRequest(host, target, method);
        const decision = decide(req);
        if (decision.kind === "origin" && decision.cache) expect(["GET", "HEAD"]).toContain(req.method);
      }),
      { numRuns: 2000 },
    );
  });

  it("on the assets and nightly sites, reaches an origin only with an allowed method", () => {
    fc.assert(
      fc.property(fc.constantFrom("cdn.changelog.com", "nightly.changelog.com"), hostileTarget, hostileMethod, (host, target, method) => {
        const req = hostileRequest(host, target, method);
        const decision = decide(req);
        const allowed = allowedMethods[req.site]!;
        if (decision.kind === "origin") expect(allowed).toContain(req.method);
        if (!allowed.includes(req.method) && decision.kind === "synthetic" && decision.status === 405) {
          expect(decision.headers.allow).toBe(allowed.join(", "));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("is a purge only for PURGE, in any case, and PURGE never reaches an origin", () => {
    fc.assert(
      fc.property(sites, hostileTarget, hostileMethod, (host, target, method) => {
        const req = hostileRequest(host, target, method);
        const decision = decide(req);
        if (decision.kind === "purge") expect(req.method).toBe("PURGE");
        if (req.method === "PURGE") expect(decision.kind).not.toBe("origin");
      }),
      { numRuns: 2000 },
    );
  });

  it("reads lower-case methods as their upper-case token", () => {
    expect(hostileRequest("changelog.com", "/health", "get").method).toBe("GET");
    expect(decide(hostileRequest("cdn.changelog.com", "/a.mp3", "delete"))).toMatchObject({ status: 405 });
  });
});

describe("backends by method", () => {
  it("send POST and PUT to the app through the uploads backend, everything else through its origin's", () => {
    fc.assert(
      fc.property(fc.constantFrom(...originNames), hostileMethod, (origin, method) => {
        const upload = origin === appUploads.origin && (appUploads.methods as readonly string[]).includes(method);
        expect(backendFor(origin, method)).toBe(upload ? appUploads.name : origin);
      }),
    );
  });
});
