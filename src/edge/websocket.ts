// WebSocket upgrades on the app host, handed through to the app (rule 7).

import { createWebsocketHandoff } from "fastly:websocket";
import { origins } from "../config/origins.js";
import type { WebSocketHandoff } from "../decision.js";
import type { RequestContext } from "./context.js";

export function handOffWebSocket(ctx: RequestContext, decision: WebSocketHandoff): Response {
  return createWebsocketHandoff(ctx.event.request, origins[decision.origin].name);
}
