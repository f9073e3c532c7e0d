import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isServedHost, saysPlainHttp } from "../../../src/edge-request.js";
import { plainHttp } from "../../../src/rules/plain-http.js";
import { edgeRequest } from "../request.js";
import { anyDomain, anyPath, anyQuery } from "./arbitraries.js";

describe("rule 2: plain HTTP → HTTPS", () => {
  it("redirects to https on the same host, path and query kept, with an empty body", () => {
    expect(plainHttp(edgeRequest("https://changelog.com/a/b?c=d&e", { headers: { "x-forwarded-proto": "http" } }))).toEqual({
      kind: "synthetic",
      status: 301,
      reason: "plain-http",
      headers: { location: "https://changelog.com/a/b?c=d&e" },
      body: "",
    });
  });

  it("treats a request without X-Forwarded-Proto, or with https, as HTTPS", () => {
    expect(plainHttp(edgeRequest("https://changelog.com/"))).toBeNull();
    expect(plainHttp(edgeRequest("https://changelog.com/", { headers: { "x-forwarded-proto": "https" } }))).toBeNull();
  });

  it("reads only the first X-Forwarded-Proto value, case-insensitively", () => {
    expect(saysPlainHttp("http")).toBe(true);
    expect(saysPlainHttp(" HTTP ")).toBe(true);
    expect(saysPlainHttp("http, https")).toBe(true);
    expect(saysPlainHttp("https, http")).toBe(false);
    expect(saysPlainHttp("")).toBe(false);
    expect(saysPlainHttp("ws")).toBe(false);
    expect(saysPlainHttp(null)).toBe(false);
  });

  it("writes a Host it cannot trust back as the app host", () => {
    const req = { ...edgeRequest("https://changelog.com/x?y", { headers: { "x-forwarded-proto": "http" } }), host: "evil.com/@x" };
    expect(plainHttp(req)).toMatchObject({ headers: { location: "https://changelog.com/x?y" } });
    expect(plainHttp({ ...req, host: "" })).toMatchObject({ headers: { location: "https://changelog.com/x?y" } });
  });

  it("keeps each of the edge's own names, www aliases included", () => {
    for (const host of ["changelog.com", "cdn.changelog.com", "nightly.changelog.com", "www.changelog.com", "staging.changelog.com"]) {
      const req = edgeRequest(`https://${host}/a?b`, { headers: { "x-forwarded-proto": "http" } });
      expect(plainHttp(req)).toMatchObject({ headers: { location: `https://${host}/a?b` } });
    }
  });

  it("sends any other host to the app host it is served as, any path kept, never an unsafe Location", () => {
    fc.assert(
      fc.property(anyDomain, anyPath, anyQuery, (host, path, query) => {
        const url = `https://${host}${path}${query}`;
        const req = edgeRequest(url, { headers: { "x-forwarded-proto": "http" } });
        const decision = plainHttp(req);
        const kept = isServedHost(req.host);
        expect(decision).toMatchObject({
          kind: "synthetic",
          status: 301,
          headers: { location: `https://${kept ? req.host : "changelog.com"}${req.path}${req.query}` },
        });
      }),
    );
  });
});
