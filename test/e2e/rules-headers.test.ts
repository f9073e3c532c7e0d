// Rule 15 and the headers of every response, end to end: what the origin receives (the edge's
// own forwarding headers, never the client's) and what every kind of response carries.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cold, purgeWarmed } from "../shared/cold-cache.js";
import { originRequests, resetOrigins, send } from "./support/edge.js";

beforeEach(resetOrigins);
afterEach(purgeWarmed);

interface Echo {
  readonly url: string;
  readonly headers: Record<string, string>;
}

const forged = {
  "fastly-ff": "cache-forged-FORGED",
  "fastly-client-ip": "6.6.6.6",
  "fastly-debug-path": "(F forged)",
  "x-forwarded-host": "evil.example",
  "x-forwarded-proto": "https",
  "x-forwarded-server": "evil",
  "x-forwarded-port": "1",
  forwarded: "for=6.6.6.6;host=evil.example;proto=http",
  "x-real-ip": "6.6.6.6",
};

describe("rule 15: headers only the edge may set", () => {
  it("are never taken from the client; the edge sets its own", async () => {
    const res = await send("/echo", { headers: { ...forged, "x-forwarded-for": "10.1.2.3", "user-agent": "Overcast/1.0" } });
    const echo = JSON.parse(res.text()) as Echo;
    for (const name of ["fastly-ff", "fastly-debug-path", "x-forwarded-proto", "x-forwarded-server", "x-forwarded-port", "forwarded", "x-real-ip"]) {
      expect(echo.headers[name], name).toBeUndefined();
    }
    expect(echo.headers["x-forwarded-host"]).toBe("changelog.com");
    expect(echo.headers.host).toBe("changelog-2024-01-12.fly.dev");
    expect(echo.headers["fastly-client-ip"]).toBe("127.0.0.1");
    expect(echo.headers["x-forwarded-for"]).toBe("10.1.2.3, 127.0.0.1");
    expect(echo.headers["user-agent"]).toBe("Overcast/1.0");
  });

  it("the client's address is the one the edge saw", async () => {
    const res = await send("/echo", { from: "127.0.0.3" });
    expect((JSON.parse(res.text()) as Echo).headers["fastly-client-ip"]).toBe("127.0.0.3");
  });

  it("hold on every origin: the assets bucket gets the public host, not a forged one", async () => {
    await cold("cdn.changelog.com", "/static/css/app.css");
    await send("/static/css/app.css", { host: "cdn.changelog.com", headers: forged });
    const [seen] = await originRequests("assets");
    expect(seen!.headers["x-forwarded-host"]).toBe("cdn.changelog.com");
    expect(seen!.headers["fastly-ff"]).toBeUndefined();
    expect(seen!.headers.forwarded).toBeUndefined();
  });

  it("headers the client names in Connection are not forwarded (RFC 9110 §7.6.1)", async () => {
    const res = await send("/echo", { headers: { connection: "x-hop-secret", "x-hop-secret": "1" } });
    expect((JSON.parse(res.text()) as Echo).headers["x-hop-secret"]).toBeUndefined();
  });
});

describe("X-Request-Id", () => {
  it("keeps fly-request-id first, sends it to the origin and returns it", async () => {
    const res = await send("/echo", { headers: { "fly-request-id": "01HFLYREQUEST", "x-request-id": "other" } });
    expect(res.headers["x-request-id"]).toBe("01HFLYREQUEST");
    expect((JSON.parse(res.text()) as Echo).headers["x-request-id"]).toBe("01HFLYREQUEST");
  });

  it("keeps the client's x-request-id", async () => {
    const res = await send("/echo", { headers: { "x-request-id": "client-req-42" } });
    expect(res.headers["x-request-id"]).toBe("client-req-42");
    expect((JSON.parse(res.text()) as Echo).headers["x-request-id"]).toBe("client-req-42");
  });

  it("makes a new one when there is none or it is not an id, the same on both sides", async () => {
    for (const headers of [{}, { "x-request-id": "not an id <script>" }] as Record<string, string>[]) {
      await resetOrigins();
      const res = await send("/echo", { headers });
      const id = String(res.headers["x-request-id"]);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect((JSON.parse(res.text()) as Echo).headers["x-request-id"]).toBe(id);
    }
    const a = await send("/health");
    const b = await send("/health");
    expect(a.headers["x-request-id"]).not.toBe(b.headers["x-request-id"]);
  });

  it("is on edge answers too", async () => {
    const res = await send("/rss", { headers: { "x-request-id": "rss-1" } });
    expect(res.status).toBe(302);
    expect(res.headers["x-request-id"]).toBe("rss-1");
  });
});

describe("every response", () => {
  const kinds = [
    { name: "an edge answer on the app host", path: "/health", host: "changelog.com", cors: false },
    { name: "a redirect on the app host", path: "/practicalai", host: "changelog.com", cors: false },
    { name: "an app page", path: "/", host: "changelog.com", cors: false },
    { name: "an app error", path: "/fail", host: "changelog.com", cors: false },
    { name: "a feed", path: "/feed", host: "changelog.com", cors: true },
    { name: "an asset", path: "/static/css/app.css", host: "cdn.changelog.com", cors: true },
    { name: "a missing asset", path: "/nope.css", host: "cdn.changelog.com", cors: true },
    { name: "an edge answer on the assets host", path: "/health", host: "cdn.changelog.com", cors: true },
    { name: "a refusal on the assets host", path: "/x", host: "cdn.changelog.com", method: "DELETE", cors: true },
    { name: "the embed script on the assets host", path: "/embed.js", host: "cdn.changelog.com", cors: true },
    { name: "a nightly page", path: "/", host: "nightly.changelog.com", cors: true },
    { name: "a refusal on the nightly host", path: "/", host: "nightly.changelog.com", method: "POST", cors: true },
  ];
  for (const kind of kinds) {
    it(`${kind.name} carries HSTS${kind.cors ? " and Access-Control-Allow-Origin: *" : ", and no CORS of the edge's"}`, async () => {
      if (!kind.method) await cold(kind.host, kind.path);
      const res = await send(kind.path, { host: kind.host, method: kind.method ?? "GET" });
      expect(res.headers["strict-transport-security"]).toBe("max-age=31557600");
      expect(res.headers["access-control-allow-origin"]).toBe(kind.cors ? "*" : undefined);
    });
  }
});
