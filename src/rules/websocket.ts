// Rule 7: a WebSocket opening handshake on the app host is handed through to the app, whose
// Phoenix LiveView pages need it. RFC 6455 §4.1: the handshake is a GET whose Upgrade header
// lists "websocket" (RFC 9110 §7.8: Upgrade is a case-insensitive, comma-separated list).
// On other hosts the Upgrade header is hop-by-hop and simply dropped.

import type { Decision } from "../decision.js";
import type { EdgeRequest } from "../edge-request.js";

export function asksForWebSocket(upgrade: string | null): boolean {
  if (!upgrade) return false;
  return upgrade.split(",").some((protocol) => protocol.trim().toLowerCase().split("/")[0] === "websocket");
}

export function websocket(req: EdgeRequest): Decision | null {
  if (req.site !== "app" || req.method !== "GET" || !asksForWebSocket(req.headers.get("upgrade"))) return null;
  return { kind: "websocket", origin: "app" };
}
