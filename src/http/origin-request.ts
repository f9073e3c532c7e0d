// The headers an origin request carries (rule 15): the client's, minus hop-by-hop headers and
// those only the edge may set, plus the origin's own Host (from the URL), the public host as
// X-Forwarded-Host, who the client is, and the request id.

import { tierHeader } from "../config/shielding.js";
import type { EdgeRequest } from "../edge-request.js";
import { cookiesReachOrigin } from "../rules/cookies.js";
import { connectionNamedHeaders, hopByHopHeaders } from "./hop-by-hop.js";

/**
 * RFC 9110 §7.6.1: connection-specific headers, and any header the Connection header names,
 * are not forwarded by a proxy, nor credentials meant for a proxy (§11.7.1). (WebSocket
 * handshakes are handed off whole by the platform, not forwarded through here.)
 */
const hopByHop = [...hopByHopHeaders, "proxy-authorization"];

/**
 * Headers a client may not set for the edge. Origins trust these because only the edge (or
 * Fastly) writes them: the public host and scheme, the client's address, and Fastly's own
 * `Fastly-*` markers (`Fastly-FF` says "another Fastly node sent this").
 */
export const edgeOnlyHeaders = [
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-forwarded-server",
  "x-forwarded-port",
  "forwarded",
  "x-real-ip",
];

/**
 * Credentials meant for the edge alone: the purge token authorizes a PURGE the edge answers
 * itself, and a client that sends it on any other request must not hand it to an origin (and
 * the origin's logs); the shield token marks a POP's request to the shield, and only the
 * edge's own code sets it (src/edge/origin-fetch.ts).
 */
const edgeCredentials = ["purge-token", tierHeader];

/** Every `Fastly-*` header is Fastly's to write (https://www.fastly.com/documentation/reference/http/http-headers/). */
const edgeOnlyPrefix = "fastly-";

/**
 * The client's Range and validators: what the edge answers from its own copy, so never what a
 * fetch that fills the cache (or brings the whole object) asks the origin.
 */
export const answerShapingHeaders = ["range", "if-range", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since"] as const;

/**
 * @param fromPop the request came from a POP of this service (proven by the shield token): the
 *   client is that POP, and the listener is who the POP said (its Fastly-Client-IP, and its
 *   X-Forwarded-For, which already ends with the listener), so origins behind the shield see
 *   the listener as on one tier.
 */
export function originRequestHeaders(req: EdgeRequest, requestId: string, fromPop = false): Headers {
  const headers = new Headers();
  const dropped = new Set([
    ...hopByHop,
    ...edgeOnlyHeaders,
    ...edgeCredentials,
    ...connectionNamedHeaders(req.headers.get("connection")),
    "host",
  ]);
  if (!cookiesReachOrigin(req.site)) dropped.add("cookie");
  for (const [name, value] of req.headers) {
    if (!dropped.has(name) && !name.startsWith(edgeOnlyPrefix)) headers.append(name, value);
  }
  headers.set("x-forwarded-host", req.host);
  headers.set("x-request-id", requestId);
  const listener = fromPop ? req.headers.get("fastly-client-ip")?.trim() : undefined;
  if (listener) {
    headers.set("fastly-client-ip", listener);
    const forwardedFor = req.headers.get("x-forwarded-for")?.trim();
    headers.set("x-forwarded-for", forwardedFor || listener);
  } else if (req.clientIp) {
    // What a Fastly VCL service sends: the client's address, and X-Forwarded-For with it
    // appended (https://www.fastly.com/documentation/reference/http/http-headers/X-Forwarded-For).
    headers.set("fastly-client-ip", req.clientIp);
    const forwardedFor = req.headers.get("x-forwarded-for")?.trim();
    headers.set("x-forwarded-for", forwardedFor ? `${forwardedFor}, ${req.clientIp}` : req.clientIp);
  }
  return headers;
}

/**
 * The headers of a WebSocket opening handshake handed through to an origin (rule 7): those of
 * any origin request, plus the Upgrade and Connection headers that make it a handshake
 * (RFC 6455 §4.1), which the platform's handoff carries to the origin as the tunnel's start.
 */
export function websocketHandshakeHeaders(req: EdgeRequest, requestId: string): Headers {
  const headers = originRequestHeaders(req, requestId);
  headers.set("upgrade", req.headers.get("upgrade") ?? "websocket");
  headers.set("connection", "Upgrade");
  return headers;
}
