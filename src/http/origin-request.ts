// The headers an origin request carries: the client's, minus hop-by-hop headers and those only
// the edge may set, plus the origin's own Host (from the URL), the public host as
// X-Forwarded-Host, and the request id.

import type { EdgeRequest } from "../edge-request.js";

/** RFC 9110 §7.6.1: connection-specific headers are not forwarded. */
const hopByHop = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"];

/** Headers a client may not set for the edge (spec rule 15). */
export const edgeOnlyHeaders = ["fastly-ff", "x-forwarded-host", "x-forwarded-proto", "fastly-client-ip"];

export function originRequestHeaders(req: EdgeRequest, requestId: string): Headers {
  const headers = new Headers(req.headers);
  for (const name of [...hopByHop, ...edgeOnlyHeaders, "host"]) headers.delete(name);
  headers.set("x-forwarded-host", req.host);
  headers.set("x-request-id", requestId);
  return headers;
}
