// Header values, for any bytes a client or an origin puts in them: every reading of a header the
// edge makes is total (no exception, a sane result), what an origin is sent is built only from
// what the client may set plus the edge's own headers, and what the edge writes into a response
// header is always a valid header value.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cacheHeaders, cacheStatus } from "../../../src/cache/cache-status.js";
import type { CacheOutcome } from "../../../src/cache/outcome.js";
import { bodyCheck, storePolicy } from "../../../src/cache/policy.js";
import { decodeStored } from "../../../src/cache/stored-response.js";
import { originSurrogateKeys } from "../../../src/cache/surrogate-keys.js";
import { originNames } from "../../../src/config/origins.js";
import { saysPlainHttp } from "../../../src/edge-request.js";
import { headerFieldsTooLarge, headersComplete } from "../../../src/http/header-limit.js";
import { edgeOnlyHeaders, originRequestHeaders, websocketHandshakeHeaders } from "../../../src/http/origin-request.js";
import { purgeAuthorized } from "../../../src/http/purge-auth.js";
import { requestIdFor } from "../../../src/http/request-id.js";
import { requestBodyBytes } from "../../../src/logs/request-facts.js";
import { hasCookies } from "../../../src/rules/cookies.js";
import { noneMatch } from "../../../src/rules/embed.js";
import { asksForWebSocket } from "../../../src/rules/websocket.js";
import { headerValue, hostileRequest } from "./hostile.js";

const token = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9a-z-]{1,20}$/);

/** Names a client might use to pass for the edge, and ordinary ones. */
const headerName = fc.oneof(
  fc.constantFrom(
    ...edgeOnlyHeaders,
    "fastly-ff",
    "fastly-client-ip",
    "fastly-debug",
    "fastly-soft-purge",
    "purge-token",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-authorization",
    "x-request-id",
    "x-forwarded-for",
    "cookie",
    "range",
    "user-agent",
    "x-secret-hop",
  ),
  token,
);

const clientHeaders = fc.array(fc.tuple(headerName, headerValue(40)), { maxLength: 12 });

/** Never from the client: hop-by-hop (RFC 9110 §7.6.1), the edge's own, and the purge token. */
const neverForwarded = new Set([
  ...edgeOnlyHeaders,
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "proxy-authorization",
  "purge-token",
  "host",
]);

function clientRequest(host: string, pairs: [string, string][], clientIp: string) {
  const headers: Record<string, string> = {};
  for (const [name, value] of pairs) headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  return { ...hostileRequest(host, "/x", "GET", headers), clientIp };
}

describe("what an origin is sent", () => {
  it("is the client's headers minus those it may not set, plus the edge's own, for any headers", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("changelog.com", "cdn.changelog.com", "nightly.changelog.com"),
        clientHeaders,
        fc.constantFrom("", "192.0.2.7"),
        (host, pairs, clientIp) => {
          const req = clientRequest(host, pairs, clientIp);
          const sent = originRequestHeaders(req, "edge-id");
          const named = (req.headers.get("connection") ?? "").split(",").map((n) => n.trim().toLowerCase());
          for (const [name, value] of sent) {
            if (["x-forwarded-host", "x-request-id", "fastly-client-ip", "x-forwarded-for"].includes(name)) continue;
            expect(neverForwarded.has(name), name).toBe(false);
            expect(name.startsWith("fastly-"), name).toBe(false);
            expect(named, name).not.toContain(name);
            expect(value).toBe(req.headers.get(name));
          }
          // The edge's own headers are always there and always the edge's, whatever the client named
          // in Connection or sent under the same names.
          expect(sent.get("x-forwarded-host")).toBe(req.host);
          expect(sent.get("x-request-id")).toBe("edge-id");
          expect(sent.get("fastly-client-ip")).toBe(clientIp || null);
          if (host === "cdn.changelog.com") expect(sent.get("cookie")).toBeNull();
          // And every header that may pass does pass.
          for (const [name, value] of req.headers) {
            const mayPass = !neverForwarded.has(name) && !name.startsWith("fastly-") && !named.includes(name) && !(host === "cdn.changelog.com" && name === "cookie");
            if (mayPass && name !== "x-request-id" && name !== "x-forwarded-for") expect(sent.get(name), name).toBe(value);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("never carries the purge token, on any origin request or WebSocket handshake", () => {
    fc.assert(
      fc.property(fc.constantFrom("changelog.com", "cdn.changelog.com", "nightly.changelog.com"), headerValue(40), (host, token) => {
        const req = clientRequest(host, [["purge-token", token], ["Purge-Token", token]], "192.0.2.7");
        expect(originRequestHeaders(req, "id").has("purge-token")).toBe(false);
        expect(websocketHandshakeHeaders(req, "id").has("purge-token")).toBe(false);
      }),
    );
  });
});

describe("readings of request headers", () => {
  it("are total: any value gives an answer of the right shape", () => {
    fc.assert(
      fc.property(headerValue(80), headerValue(80), (a, b) => {
        const headers = new Headers({ "content-length": a, cookie: a, upgrade: a, "x-request-id": a, "fly-request-id": b });
        const bytes = requestBodyBytes(headers);
        expect(bytes === null || (Number.isSafeInteger(bytes) && bytes >= 0)).toBe(true);
        expect(typeof hasCookies(headers)).toBe("boolean");
        expect(typeof asksForWebSocket(a)).toBe("boolean");
        expect(typeof saysPlainHttp(a)).toBe("boolean");
        expect(typeof noneMatch(a, '"embed-1"')).toBe("boolean");
        expect(requestIdFor(headers, () => "fresh")).toMatch(/^[A-Za-z0-9._:+/=-]{1,128}$/);
        expect(purgeAuthorized(a, b)).toBe(b !== "" && a === b);
      }),
      { numRuns: 1000 },
    );
  });

  it("tell a header list the platform could not read (empty, though Host was there) from a real one", () => {
    expect(headersComplete("changelog.com", new Headers({ host: "changelog.com", a: "1" }))).toBe(true);
    expect(headersComplete("changelog.com", new Headers())).toBe(false);
    expect(headersComplete(null, new Headers())).toBe(true);
    expect(headerFieldsTooLarge).toMatchObject({ kind: "synthetic", status: 431, body: "" });
  });
});

describe("readings of origin response headers", () => {
  it("are total: any Cache-Control, Surrogate-Control or Surrogate-Key gives a sane policy", () => {
    fc.assert(
      fc.property(fc.constantFrom(...originNames), fc.integer({ min: 100, max: 599 }), headerValue(), headerValue(), headerValue(), (origin, status, cc, sc, sk) => {
        const policy = storePolicy(origin, status, new Headers({ "cache-control": cc, "surrogate-control": sc, "surrogate-key": sk }));
        if (!policy.store) return;
        for (const seconds of Object.values(policy.times)) {
          expect(Number.isSafeInteger(seconds)).toBe(true);
          expect(seconds).toBeGreaterThanOrEqual(0);
          expect(seconds).toBeLessThanOrEqual(365 * 24 * 3600);
        }
        for (const key of policy.surrogateKeys) expect(key).toMatch(/^[\x21-\x7e]{1,1024}$/);
        expect(status).toBeLessThan(500);
      }),
      { numRuns: 1000 },
    );
  });

  it("store a body only when it can be checked whole: a Content-Length, chunked framing, or a status without a body", () => {
    expect(bodyCheck(200, new Headers({ "content-length": "9" }))).toBe("declared-length");
    expect(bodyCheck(200, new Headers({ "transfer-encoding": "chunked" }))).toBe("chunked");
    expect(bodyCheck(304, new Headers())).toBe("no-body");
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 499 }), fc.option(headerValue(20)), fc.option(headerValue(20)), (status, length, codings) => {
        const headers = new Headers({ ...(length === null ? {} : { "content-length": length }), ...(codings === null ? {} : { "transfer-encoding": codings }) });
        const check = bodyCheck(status, headers);
        if (status === 204 || status === 304) return void expect(check).toBe("no-body");
        const te = headers.get("transfer-encoding");
        if (te !== null) {
          // RFC 9112 §6.3: Transfer-Encoding overrides Content-Length; chunked must be the last coding.
          const last = te.split(",").map((c) => c.trim().toLowerCase()).filter(Boolean).at(-1);
          return void expect(check).toBe(last === "chunked" ? "chunked" : "unverifiable");
        }
        const cl = headers.get("content-length");
        expect(check).toBe(cl !== null && /^\d{1,15}$/.test(cl.trim()) ? "declared-length" : "unverifiable");
      }),
    );
  });

  it("keep only surrogate keys Fastly accepts", () => {
    fc.assert(
      fc.property(headerValue(200), (value) => {
        for (const key of originSurrogateKeys(value)) expect(key).toMatch(/^[\x21-\x7e]{1,1024}$/);
      }),
    );
  });

  it("never take a foreign or corrupted cache entry for one of the edge's", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.json()), (metadata) => {
        const stored = decodeStored(metadata);
        if (stored) expect(typeof stored.status).toBe("number");
      }),
    );
  });
});

describe("headers the edge writes", () => {
  it("keep Cache-Status one valid header value, its detail one quoted string, whatever the note", () => {
    // Notes are the edge's own words (reasons, statuses), never client text; quotes and
    // backslashes in one could still not break the quoted string.
    const outcome = fc.record({
      state: fc.constantFrom("hit", "stale", "miss", "pass", "edge"),
      note: fc.option(fc.stringMatching(/^[\x20-\x7e]{0,40}$/), { nil: undefined }),
      ttl: fc.option(fc.double({ noNaN: true, min: -1e9, max: 1e9 }), { nil: undefined }),
      age: fc.option(fc.double({ noNaN: true, min: 0, max: 1e9 }), { nil: undefined }),
    }) as fc.Arbitrary<CacheOutcome>;
    const servedBy = { pop: "IAD", region: "US-East", hostname: "cache-iad-1" };
    fc.assert(
      fc.property(outcome, (o) => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(cacheHeaders(o, servedBy))) headers.set(name, value);
        expect(cacheStatus(o, servedBy)).toMatch(/^changelog-edge(?:; [a-z]+(?:=[^;"]+)?)*; detail="[^"\\]*"$/);
      }),
    );
  });
});
