import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { edgeRequestFrom, isValidHost, normalizeHost, publicHost } from "../../../src/edge-request.js";

describe("the request view rules decide on", () => {
  it("normalizes the host: lower case, no port, no trailing dot", () => {
    expect(normalizeHost("CDN.Changelog.com:443")).toBe("cdn.changelog.com");
    expect(normalizeHost("changelog.com.")).toBe("changelog.com");
    expect(normalizeHost("[::1]:7676")).toBe("[::1]");
    expect(normalizeHost(" changelog.com ")).toBe("changelog.com");
    expect(normalizeHost(null)).toBe("");
  });

  it("knows a host that can be written back into a URL", () => {
    for (const ok of ["changelog.com", "127.0.0.1", "[::1]", "a-b.c_d.example", "localhost"]) expect(isValidHost(ok)).toBe(true);
    for (const bad of ["", "a b", "evil.com/@x", "-a.com", "a..b", "x\r\ny", "[::1", `${"a".repeat(64)}.com`]) {
      expect(isValidHost(bad)).toBe(false);
    }
    expect(publicHost({ host: "bad host" })).toBe("changelog.com");
    expect(publicHost({ host: "cdn.changelog.com" })).toBe("cdn.changelog.com");
  });

  it("only calls a host valid if a URL parser reads it back", () => {
    const hostLike = fc.oneof(
      fc.stringMatching(/^[a-z0-9._-]{1,20}$/),
      fc.stringMatching(/^\[[0-9a-f:.]{1,30}\]$/),
      fc.ipV4().map(String),
      fc.ipV6().map((ip) => `[${ip}]`),
      fc.domain(),
    );
    fc.assert(
      fc.property(hostLike, (host) => {
        if (!isValidHost(host)) return;
        const parsed = new URL(`https://${host}/`).hostname;
        // IPv6 literals come back in their canonical form; names and IPv4 addresses unchanged.
        if (!host.startsWith("[")) expect(parsed).toBe(host);
      }),
      { numRuns: 1000 },
    );
    expect(isValidHost("[2001:db8::1]")).toBe(true);
    expect(isValidHost("[::ffff:192.0.2.1]")).toBe(true);
    for (const bad of ["a.0", "0a.0", "1.2.3.256", "[1::2::3]", "[12345::]", "xn--zz.com"]) expect(isValidHost(bad)).toBe(false);
  });

  it("reads method, site, path, query, scheme and client from a Request", () => {
    const req = edgeRequestFrom(
      new Request("https://cdn.changelog.com/a%20b/c.mp3?x=1", { method: "head", headers: { host: "CDN.changelog.com", "x-forwarded-proto": "http" } }),
      "192.0.2.1",
    );
    expect(req).toMatchObject({
      method: "HEAD",
      host: "cdn.changelog.com",
      site: "assets",
      path: "/a%20b/c.mp3",
      query: "?x=1",
      plainHttp: true,
      clientIp: "192.0.2.1",
    });
  });

  it("never throws on any Host header, and always yields a site", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,60}$/), (host) => {
        const req = edgeRequestFrom(new Request("https://changelog.com/", { headers: { host } }));
        expect(["app", "assets", "nightly"]).toContain(req.site);
        expect(req.host).toBe(req.host.toLowerCase());
      }),
    );
  });
});
