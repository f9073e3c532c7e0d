// The request rules, in the spec's order. Each rule is a function of the request that either
// decides or returns null ("not mine, next"); the last one always routes to an origin.

import type { Decision } from "./decision.js";
import type { EdgeRequest } from "./edge-request.js";
import { allowedMethod } from "./rules/allowed-methods.js";
import { appRedirect } from "./rules/app-redirects.js";
import { cookiePass } from "./rules/cookies.js";
import { embed } from "./rules/embed.js";
import { feedSlashRedirect } from "./rules/feed-slash.js";
import { health } from "./rules/health.js";
import { hostHeader } from "./rules/host-header.js";
import { newsRedirect } from "./rules/news-redirects.js";
import { originRouting } from "./rules/origin-routing.js";
import { plainHttp } from "./rules/plain-http.js";
import { purgeRule } from "./rules/purge.js";
import { websocket } from "./rules/websocket.js";
import { www } from "./rules/www.js";

export type Rule = (req: EdgeRequest) => Decision | null;

/**
 * A malformed Host first (RFC 9112 §3.2), then spec rules 1–11, first match wins; rules 12–14
 * are `originRouting`, the fall-through. One part of rule 12 decides early: a feed path with a
 * trailing slash is redirected to its canonical path (rules/feed-slash.ts) after the PURGE of
 * rule 4 (which purges it) and before the cookie pass of rule 8 (a cookie does not change it).
 */
export const rules: readonly Rule[] = [
  hostHeader, // 0
  health, // 1
  plainHttp, // 2
  www, // 3
  purgeRule, // 4
  newsRedirect, // 5
  allowedMethod, // 6
  websocket, // 7
  feedSlashRedirect, // 12, the slash form
  cookiePass, // 8
  appRedirect, // 9, 10
  embed, // 11
];

export function decide(req: EdgeRequest): Decision {
  for (const rule of rules) {
    const decision = rule(req);
    if (decision) return decision;
  }
  return originRouting(req);
}
