import { describe, expect, it } from "vitest";
import { asksForWebSocket, websocket } from "../../../src/rules/websocket.js";
import { edgeRequest } from "../request.js";

const handshake = { upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "x", "sec-websocket-version": "13" };

describe("rule 7: WebSocket upgrades", () => {
  it("hands an app-host handshake to the app", () => {
    expect(websocket(edgeRequest("https://changelog.com/live/websocket", { headers: handshake }))).toEqual({
      kind: "websocket",
      origin: "app",
    });
    expect(websocket(edgeRequest("https://127.0.0.1/live/websocket", { headers: handshake }))?.kind).toBe("websocket");
  });

  it("reads Upgrade as a case-insensitive list of protocols (RFC 9110 §7.8)", () => {
    expect(asksForWebSocket("websocket")).toBe(true);
    expect(asksForWebSocket("WebSocket")).toBe(true);
    expect(asksForWebSocket("h2c, websocket")).toBe(true);
    expect(asksForWebSocket("websocket/13")).toBe(true);
    expect(asksForWebSocket("h2c")).toBe(false);
    expect(asksForWebSocket("websockets")).toBe(false);
    expect(asksForWebSocket("")).toBe(false);
    expect(asksForWebSocket(null)).toBe(false);
  });

  it("is only a GET (RFC 6455 §4.1)", () => {
    expect(websocket(edgeRequest("https://changelog.com/live/websocket", { method: "POST", headers: handshake }))).toBeNull();
  });

  it("leaves the assets and nightly hosts and plain requests alone", () => {
    expect(websocket(edgeRequest("https://cdn.changelog.com/x", { headers: handshake }))).toBeNull();
    expect(websocket(edgeRequest("https://nightly.changelog.com/x", { headers: handshake }))).toBeNull();
    expect(websocket(edgeRequest("https://changelog.com/live/websocket"))).toBeNull();
  });
});
