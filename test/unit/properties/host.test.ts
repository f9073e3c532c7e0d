// Host normalization and the Host check (rule 0, RFC 9112 §3.2) for any Host a client sends:
// the edge either refuses it with 400 or decides on one well-formed, lower-case host without a
// port, and that same host is what an origin is told (X-Forwarded-Host).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { siteFor, siteHosts } from "../../../src/config/hosts.js";
import { isServedHost, isValidHost, normalizeHost, publicHost } from "../../../src/edge-request.js";
import { originRequestHeaders } from "../../../src/http/origin-request.js";
import { decide } from "../../../src/router.js";
import { hostHeader } from "../../../src/rules/host-header.js";
import { hostileHost, hostileRequest, servedNames } from "./hostile.js";

describe("Host normalization", () => {
  it("reads a served name back whatever its case, port or trailing dot", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...servedNames),
        fc.constantFrom("", ":443", ":80", ":8080"),
        fc.boolean(),
        fc.boolean(),
        (host, port, upper, dot) => {
          const raw = `${upper ? host.toUpperCase() : host}${dot ? "." : ""}${port}`;
          expect(normalizeHost(raw)).toBe(host);
          expect(siteFor(normalizeHost(raw))).toBe(siteFor(host));
        },
      ),
    );
  });

  it("agrees with the URL parser on every host it calls valid", () => {
    fc.assert(
      fc.property(hostileHost, (raw) => {
        const host = normalizeHost(raw);
        expect(host).toBe(host.toLowerCase());
        if (!isValidHost(host) || host.startsWith("[")) return;
        expect(new URL(`https://${host}/`).hostname).toBe(host);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("rule 0: the Host check", () => {
  it("refuses two Host lines (joined by the platform) and hosts that are not hosts, with 400", () => {
    for (const raw of ["changelog.com, cdn.changelog.com", "changelog.com,changelog.com", "a b", "a..b", `${"a".repeat(64)}.com`, "-a.com"]) {
      expect(decide(hostileRequest(raw, "/health")), raw).toMatchObject({ kind: "synthetic", status: 400, reason: "bad-host" });
    }
  });

  it("lets every well-formed host through, and one of them is what rules and origins see", () => {
    fc.assert(
      fc.property(hostileHost, fc.constantFrom("/", "/echo", "/feed", "/uploads/a.mp3"), (raw, path) => {
        const req = hostileRequest(raw, path);
        const refused = hostHeader(req);
        if (refused) {
          expect(isValidHost(req.host)).toBe(false);
          // The check comes before every rule: nothing else is decided for such a request.
          expect(decide(req)).toMatchObject({ kind: "synthetic", status: 400, reason: "bad-host" });
          return;
        }
        expect(isValidHost(req.host)).toBe(true);
        expect(req.host).not.toMatch(/[\s,@/\\]/);
        if (!req.host.startsWith("[")) expect(req.host).not.toContain(":");
        expect(originRequestHeaders(req, "id").get("x-forwarded-host")).toBe(req.host);
      }),
      { numRuns: 2000 },
    );
  });

  it("writes back only the edge's own names", () => {
    fc.assert(
      fc.property(hostileHost, (raw) => {
        const host = publicHost({ host: normalizeHost(raw) });
        expect(isServedHost(host)).toBe(true);
        if (!isServedHost(normalizeHost(raw))) expect(host).toBe(siteHosts.app);
      }),
      { numRuns: 2000 },
    );
  });
});
