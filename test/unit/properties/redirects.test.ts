// No open redirect, and no edge 5xx, for any request at all: whatever the Host, path, query,
// method and X-Forwarded-Proto, every Location the edge writes is https to one of the edge's
// own names or to a fixed target of the redirect table, and the URL parser a browser uses reads
// back that same host (no userinfo, no `//evil.com` or `/\evil.com` trick, no CR/LF).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { appRedirects } from "../../../src/config/app-redirects.js";
import { isServedHost } from "../../../src/edge-request.js";
import { decide } from "../../../src/router.js";
import { hostileHost, hostileMethod, hostileRequest, hostileTarget } from "./hostile.js";

/** Hosts of the fixed targets in the redirect table (practicalai.fm, feeds.transistor.fm, …). */
const fixedTargets = new Set(Object.values(appRedirects).map(({ location }) => new URL(location).host));

const anyRequest = fc.record({
  host: hostileHost,
  target: hostileTarget,
  method: hostileMethod,
  plainHttp: fc.boolean(),
});

function decisionFor({ host, target, method, plainHttp }: { host: string; target: string; method: string; plainHttp: boolean }) {
  const headers: Record<string, string> = plainHttp ? { "x-forwarded-proto": "http" } : {};
  return decide(hostileRequest(host, target, method, headers));
}

/** What a browser does with a Location: resolves it against the page it asked for. */
function followed(location: string): URL {
  return new URL(location, "https://attacker-controlled.example/page");
}

describe("every redirect the edge writes", () => {
  it("goes to https on one of the edge's names or a fixed target, for any request", () => {
    fc.assert(
      fc.property(anyRequest, (request) => {
        const decision = decisionFor(request);
        if (decision.kind !== "synthetic" || decision.headers.location === undefined) return;
        const location = decision.headers.location;
        expect(location).toMatch(/^https:\/\/[\x21-\x7e]+$/);
        const url = followed(location);
        expect(url.protocol).toBe("https:");
        expect(url.username + url.password).toBe("");
        expect(isServedHost(url.host) || fixedTargets.has(url.host), `${location} for ${JSON.stringify(request)}`).toBe(true);
        // The host a browser reads is the one written right after the scheme: nothing in the
        // path or query can move it.
        expect(location.startsWith(`https://${url.host}`)).toBe(true);
        expect(/^[/?#]?$/.test(location.charAt(`https://${url.host}`.length))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it("keeps the classic tricks inside the path", () => {
    const tricks: [string, string][] = [
      ["//evil.com", "https://changelog.com//evil.com"],
      ["/\\evil.com", "https://changelog.com//evil.com"],
      ["/%2F%2Fevil.com", "https://changelog.com/%2F%2Fevil.com"],
      ["/%0d%0aLocation:%20https://evil.com", "https://changelog.com/%0d%0aLocation:%20https://evil.com"],
      ["/@evil.com", "https://changelog.com/@evil.com"],
      ["/.evil.com", "https://changelog.com/.evil.com"],
    ];
    for (const [target, location] of tricks) {
      for (const host of ["changelog.com", "evil.com", "www.evil.com", "changelog.com.evil.com"]) {
        const decision = decisionFor({ host, target, method: "GET", plainHttp: true });
        expect(decision, `${host}${target}`).toMatchObject({ status: 301, headers: { location } });
        expect(followed(location).host).toBe("changelog.com");
      }
    }
    expect(decisionFor({ host: "www.changelog.com", target: "//evil.com/x", method: "GET", plainHttp: false })).toMatchObject({
      headers: { location: "https://changelog.com//evil.com/x" },
    });
  });

  it("never names a host the client made up, www or not", () => {
    for (const host of ["evil.com", "www.evil.com", "www.changelog.com.evil.com", "evil.com:443", "EVIL.COM."]) {
      const plain = decisionFor({ host, target: "/x", method: "GET", plainHttp: true });
      expect(plain, host).toMatchObject({ headers: { location: "https://changelog.com/x" } });
      const www = decisionFor({ host, target: "/x", method: "GET", plainHttp: false });
      expect(www.kind === "synthetic" ? www.headers.location : undefined, host).toBeUndefined();
    }
  });
});

describe("every answer the edge writes itself", () => {
  it("is a 2xx, 3xx or 4xx: the edge never decides on a 5xx of its own", () => {
    fc.assert(
      fc.property(anyRequest, (request) => {
        const decision = decisionFor(request);
        if (decision.kind === "synthetic") {
          expect(decision.status).toBeGreaterThanOrEqual(200);
          expect(decision.status).toBeLessThan(500);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
