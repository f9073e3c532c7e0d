// Every case of the shared rule table through `decide()`, plus the properties that hold for
// any request at all: a decision always comes back, and an edge answer can always be sent.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { siteFor } from "../../../src/config/hosts.js";
import type { Decision } from "../../../src/decision.js";
import { normalizeHost, type EdgeRequest } from "../../../src/edge-request.js";
import { everyResponseHeaders } from "../../../src/http/response-headers.js";
import { decide, rules } from "../../../src/router.js";
import { ruleCases, type RuleCase } from "../../shared/request-rules.js";
import { edgeRequest } from "../request.js";
import { anyDomain, anyText } from "./arbitraries.js";

function requestFor(c: RuleCase): EdgeRequest {
  return edgeRequest(`https://${c.host}${c.path}`, {
    method: c.method ?? "GET",
    headers: { ...c.headers, host: c.host },
  });
}

describe("the request rules, case by case", () => {
  for (const c of ruleCases) {
    it(`rule ${c.rule}: ${c.name}`, () => {
      const req = requestFor(c);
      const decision = decide(req);
      const want = c.expect;
      if ("answer" in want) {
        expect(decision.kind).toBe("synthetic");
        if (decision.kind !== "synthetic") return;
        expect(decision.status).toBe(want.answer);
        const sent = { ...decision.headers, ...everyResponseHeaders(req.site, undefined) };
        expect(sent).toMatchObject(want.headers ?? {});
        if (want.body === "empty") expect(decision.body).toBe("");
        if (want.body === "html") {
          expect(decision.body).toBe(
            `<html><body>You are being <a href="${decision.headers.location!.replaceAll("&", "&amp;")}">redirected</a>.</body></html>\n`,
          );
        }
      } else if ("origin" in want) {
        expect(decision).toMatchObject({ kind: "origin", origin: want.origin, originPath: want.path });
        if (decision.kind !== "origin") return;
        expect(decision.cache === null).toBe(want.pass !== undefined);
        expect(decision.passReason).toBe(want.pass);
      } else if ("purge" in want) {
        expect(decision).toMatchObject({ kind: "purge", surrogateKey: want.purge });
      } else {
        expect(decision).toEqual({ kind: "websocket", origin: "app" });
      }
    });
  }
});

describe("rule order", () => {
  it("has the Host check (RFC 9112 §3.2), then the spec's rules 1–11 in order (rule 12's slash redirect before rule 8), the fall-through last", () => {
    expect(rules.map((r) => r.name)).toEqual([
      "hostHeader",
      "health",
      "plainHttp",
      "www",
      "purgeRule",
      "newsRedirect",
      "allowedMethod",
      "websocket",
      "feedSlashRedirect",
      "cookiePass",
      "appRedirect",
      "embed",
    ]);
  });

  it("covers every rule of the spec in the case table", () => {
    const covered = new Set(ruleCases.map((c) => c.rule));
    for (let rule = 1; rule <= 14; rule++) expect(covered).toContain(String(rule));
  });
});

/** Anything a client could put in a method, host, path, query or a header we read. */
const token = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}$/);
const anyMethod = fc.oneof(fc.constantFrom("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "PURGE"), token);
const anyHost = fc.oneof(
  fc.constantFrom("changelog.com", "cdn.changelog.com", "nightly.changelog.com", "www.changelog.com", "www.", "www", "", "[::1]"),
  anyText(30),
  anyDomain,
  anyDomain.map((d) => `www.${d}`),
);
const anyHeaderValue = fc.stringMatching(/^[\t\x20-\x7e]{0,40}$/);

const arbitraryRequest = fc
  .record({
    method: anyMethod,
    host: anyHost,
    path: anyText(200),
    query: anyText(100),
    plainHttp: fc.boolean(),
    cookie: fc.option(anyHeaderValue),
    upgrade: fc.option(fc.oneof(fc.constant("websocket"), anyHeaderValue)),
    ifNoneMatch: fc.option(anyHeaderValue),
  })
  .map(({ method, host, path, query, plainHttp, cookie, upgrade, ifNoneMatch }): EdgeRequest => {
    const headers = new Headers();
    if (cookie !== null) headers.set("cookie", cookie);
    if (upgrade !== null) headers.set("upgrade", upgrade);
    if (ifNoneMatch !== null) headers.set("if-none-match", ifNoneMatch);
    const normalized = normalizeHost(host);
    return {
      method,
      host: normalized,
      site: siteFor(normalized),
      path: `/${path}`,
      query: query === "" ? "" : `?${query}`,
      plainHttp,
      clientIp: "",
      headers,
    };
  });

/** What the shell does with a synthetic decision; throws if a header or status is unusable. */
function sendable(decision: Decision): void {
  if (decision.kind !== "synthetic") return;
  const nullBody = decision.status === 204 || decision.status === 304;
  new Response(nullBody ? null : decision.body, { status: decision.status, headers: decision.headers });
}

describe("any request at all", () => {
  it("gets a decision, never an exception", () => {
    fc.assert(
      fc.property(arbitraryRequest, (req) => {
        const decision = decide(req);
        expect(["synthetic", "origin", "purge", "websocket"]).toContain(decision.kind);
      }),
      { numRuns: 1000 },
    );
  });

  it("gets an edge answer the platform can send: valid status and header values", () => {
    fc.assert(
      fc.property(arbitraryRequest, (req) => {
        expect(() => sendable(decide(req))).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });

  it("is only ever redirected to an absolute https URL", () => {
    fc.assert(
      fc.property(arbitraryRequest, (req) => {
        const decision = decide(req);
        if (decision.kind !== "synthetic" || decision.headers.location === undefined) return;
        const location = decision.headers.location;
        expect(location).toMatch(/^https:\/\/[\x21-\x7e]+$/);
        expect(new URL(location).protocol).toBe("https:");
      }),
      { numRuns: 1000 },
    );
  });

  it("is never sent to an origin as a path that is not a path", () => {
    fc.assert(
      fc.property(arbitraryRequest, (req) => {
        const decision = decide(req);
        if (decision.kind === "origin") expect(decision.originPath.startsWith("/")).toBe(true);
      }),
    );
  });
});
