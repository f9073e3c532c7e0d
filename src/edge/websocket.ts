// WebSocket upgrades on the app host, handed through to the app (rule 7). The handshake goes
// with the same headers as any origin request (rule 15: nothing only the edge may set is taken
// from the client), not with the client's as they came.

import { createWebsocketHandoff } from "fastly:websocket";
import { origins } from "../config/origins.js";
import type { WebSocketHandoff } from "../decision.js";
import { websocketHandshakeHeaders } from "../http/origin-request.js";
import type { EdgeContext } from "./context.js";

export function handOffWebSocket(ctx: EdgeContext, decision: WebSocketHandoff): Response {
  const original = ctx.event.request;
  const handshake = new Request(original.url, {
    method: original.method,
    headers: websocketHandshakeHeaders(ctx.req, ctx.requestId),
  });
  return createWebsocketHandoff(handshake, origins[decision.origin].name);
}
