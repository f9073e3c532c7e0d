import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tierHeader } from "../../../src/config/shielding.js";
import { edgeOnlyHeaders, originRequestHeaders } from "../../../src/http/origin-request.js";
import { edgeRequest } from "../request.js";

const forged = {
  "fastly-ff": "cache-forged",
  "fastly-client-ip": "6.6.6.6",
  "fastly-debug-path": "x",
  "x-forwarded-host": "evil.example",
  "x-forwarded-proto": "https",
  "x-forwarded-server": "evil",
  "x-forwarded-port": "1",
  forwarded: "for=6.6.6.6;host=evil.example",
  "x-real-ip": "6.6.6.6",
};

describe("rule 15: what an origin request carries", () => {
  it("behind the shield, names the listener the POP named, not the POP; from anyone else, the client", () => {
    const fromPop = { "fastly-client-ip": "203.0.113.9", "x-forwarded-for": "203.0.113.9" };
    const req = { ...edgeRequest("https://cdn.changelog.com/uploads/podcast/1/x.mp3", { headers: fromPop }), clientIp: "151.101.1.1" };
    const relayed = originRequestHeaders(req, "req-1", true);
    expect(relayed.get("fastly-client-ip")).toBe("203.0.113.9");
    expect(relayed.get("x-forwarded-for")).toBe("203.0.113.9");
    // A client claiming the same is not believed.
    const claimed = originRequestHeaders(req, "req-1");
    expect(claimed.get("fastly-client-ip")).toBe("151.101.1.1");
    expect(claimed.get("x-forwarded-for")).toBe("203.0.113.9, 151.101.1.1");
  });

  it("never forwards the shield token a client (or a POP) sent: only the edge's own shield request sets it", () => {
    const req = edgeRequest("https://cdn.changelog.com/uploads/podcast/1/x.mp3", { headers: { [tierHeader]: "guess", "purge-token": "t" } });
    const headers = originRequestHeaders(req, "req-1");
    expect(headers.get(tierHeader)).toBeNull();
    expect(headers.get("purge-token")).toBeNull();
  });

  it("never takes an edge-only header from the client", () => {
    const req = { ...edgeRequest("https://changelog.com/echo", { headers: forged }), clientIp: "192.0.2.7" };
    const headers = originRequestHeaders(req, "req-1");
    expect(headers.get("fastly-ff")).toBeNull();
    expect(headers.get("fastly-debug-path")).toBeNull();
    expect(headers.get("x-forwarded-proto")).toBeNull();
    expect(headers.get("x-forwarded-server")).toBeNull();
    expect(headers.get("x-forwarded-port")).toBeNull();
    expect(headers.get("forwarded")).toBeNull();
    expect(headers.get("x-real-ip")).toBeNull();
    expect(headers.get("x-forwarded-host")).toBe("changelog.com");
    expect(headers.get("fastly-client-ip")).toBe("192.0.2.7");
  });

  it("drops edge-only headers whatever a client calls them", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...edgeOnlyHeaders, "fastly-ff", "fastly-anything", "Fastly-FF", "X-Forwarded-Host"),
        fc.stringMatching(/^[\x21-\x7e]{1,20}$/),
        (name, value) => {
          const req = edgeRequest("https://cdn.changelog.com/a.mp3", { headers: { [name]: `forged-${value}` } });
          const headers = originRequestHeaders(req, "id");
          for (const [sent, sentValue] of headers) {
            if (sent === "x-forwarded-host") expect(sentValue).toBe("cdn.changelog.com");
            else expect(sentValue).not.toBe(`forged-${value}`);
          }
        },
      ),
    );
  });

  it("sends the public host, the request id and the client's own headers", () => {
    const req = edgeRequest("https://changelog.com/x", {
      headers: { "user-agent": "Overcast/3.0", accept: "*/*", "x-request-id": "client-id", range: "bytes=0-1" },
    });
    const headers = originRequestHeaders(req, "edge-id");
    expect(headers.get("x-forwarded-host")).toBe("changelog.com");
    expect(headers.get("x-request-id")).toBe("edge-id");
    expect(headers.get("user-agent")).toBe("Overcast/3.0");
    expect(headers.get("range")).toBe("bytes=0-1");
    expect(headers.get("host")).toBeNull();
  });

  it("appends the client to X-Forwarded-For, as Fastly VCL services did", () => {
    const base = edgeRequest("https://changelog.com/x", { headers: { "x-forwarded-for": "10.0.0.1" } });
    expect(originRequestHeaders({ ...base, clientIp: "192.0.2.9" }, "id").get("x-forwarded-for")).toBe("10.0.0.1, 192.0.2.9");
    const bare = edgeRequest("https://changelog.com/x");
    expect(originRequestHeaders({ ...bare, clientIp: "192.0.2.9" }, "id").get("x-forwarded-for")).toBe("192.0.2.9");
  });

  it("drops hop-by-hop headers and those the Connection header names (RFC 9110 §7.6.1)", () => {
    const req = edgeRequest("https://changelog.com/x", {
      headers: { connection: "keep-alive, X-Secret-Hop", "x-secret-hop": "1", "keep-alive": "timeout=5", te: "trailers", upgrade: "h2c", "proxy-authorization": "Basic x" },
    });
    const headers = originRequestHeaders(req, "id");
    for (const name of ["connection", "x-secret-hop", "keep-alive", "te", "upgrade", "proxy-authorization"]) {
      expect(headers.get(name)).toBeNull();
    }
  });

  it("drops cookies on the way to the assets origin only (rule 8)", () => {
    const cookie = { cookie: "_changelog_user=abc" };
    expect(originRequestHeaders(edgeRequest("https://cdn.changelog.com/a.mp3", { headers: cookie }), "id").get("cookie")).toBeNull();
    expect(originRequestHeaders(edgeRequest("https://changelog.com/", { headers: cookie }), "id").get("cookie")).toBe("_changelog_user=abc");
  });
});
