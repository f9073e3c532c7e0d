// Rule 7 end to end: a real WebSocket handshake through Viceroy to the local app, frames both
// ways; and the same handshake on the assets host is an ordinary request.

import { once } from "node:events";
import type { IncomingMessage } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { cold, purgeWarmed } from "../shared/cold-cache.js";
import { edge, originRequests, resetOrigins } from "./support/edge.js";

beforeEach(resetOrigins);
afterEach(purgeWarmed);

const open: WebSocket[] = [];
afterEach(() => {
  for (const socket of open.splice(0)) {
    socket.on("error", () => {}); // closing a socket that never opened is not this test's failure
    socket.terminate();
  }
});

function connect(path: string, headers: Record<string, string>): WebSocket {
  const socket = new WebSocket(`${edge().base.replace(/^http/, "ws")}${path}`, { headers, handshakeTimeout: 10_000 });
  open.push(socket);
  return socket;
}

async function reply(socket: WebSocket, text: string): Promise<string> {
  const answer = once(socket, "message");
  socket.send(text);
  const [data] = await answer;
  return String(data);
}

describe("rule 7: WebSocket upgrades on the app host", () => {
  it("are handed through to the app: 101, then frames both ways", async () => {
    const socket = connect("/live/websocket?vsn=2.0.0", { host: "changelog.com" });
    // "open" follows "upgrade" in the same tick: listen for both before waiting.
    const upgraded = once(socket, "upgrade") as Promise<[IncomingMessage]>;
    const opened = once(socket, "open");
    const [upgrade] = await upgraded;
    await opened;
    expect(upgrade.statusCode).toBe(101);
    expect(upgrade.headers["x-origin"]).toBe("app");
    expect(await reply(socket, "hello")).toBe("echo: hello");
    expect(await reply(socket, "and again")).toBe("echo: and again");
  });

  it("reach the app with their path, query and handshake headers intact", async () => {
    const socket = connect("/live/websocket?vsn=2.0.0&_csrf_token=abc", { host: "changelog.com", "sec-websocket-protocol": "phoenix" });
    await once(socket, "open");
    const seen = JSON.parse(await reply(socket, "!handshake")) as { url: string; headers: Record<string, string> };
    expect(seen.url).toBe("/live/websocket?vsn=2.0.0&_csrf_token=abc");
    expect(seen.headers.upgrade?.toLowerCase()).toBe("websocket");
    expect(seen.headers["sec-websocket-protocol"]).toBe("phoenix");
    expect(seen.headers.host).toBe("changelog-2024-01-12.fly.dev");
  });

  it("carry the edge's own forwarding headers, never the client's (rule 15)", async () => {
    const socket = connect("/live/websocket", {
      host: "changelog.com",
      "x-forwarded-host": "evil.example",
      "x-forwarded-proto": "http-forged",
      "fastly-client-ip": "6.6.6.6",
      "x-request-id": "ws-request-1",
    });
    await once(socket, "open");
    const seen = JSON.parse(await reply(socket, "!handshake")) as { headers: Record<string, string> };
    expect(seen.headers["x-forwarded-host"]).toBe("changelog.com");
    expect(seen.headers["x-forwarded-proto"]).toBeUndefined();
    expect(seen.headers["fastly-client-ip"]).toBe("127.0.0.1");
    expect(seen.headers["x-request-id"]).toBe("ws-request-1");
    // Fastly-FF is one of the headers the platform itself copies into a handoff (Viceroy's
    // handoff.rs PROTECTED_REQ_HEADERS); the service cannot drop it there. See docs/parity.md.
  });

  it("on the assets host are ordinary requests: no upgrade, no Upgrade header sent on", async () => {
    await cold("cdn.changelog.com", "/static/css/app.css");
    const socket = connect("/static/css/app.css", { host: "cdn.changelog.com" });
    const [, response] = (await once(socket, "unexpected-response")) as [unknown, IncomingMessage];
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/css");
    response.resume();
    const seen = await originRequests("assets");
    expect(seen.map((r) => r.url)).toEqual(["/static/css/app.css"]);
    expect(seen[0]!.headers.upgrade).toBeUndefined();
    expect(await originRequests("app")).toEqual([]);
  });
});
