// Rule 0, before the spec's rules: RFC 9112 §3.2 says a server MUST answer 400 to a request with
// more than one Host header line or a Host that is not a valid host. The platform joins repeated
// lines into one value ("a.com, b.com"), which is not a host either. Answering such a request
// would mean picking one of two hosts for routing while the origin is told about the other one
// (X-Forwarded-Host), the shape request smuggling and cache poisoning feed on.

import { synthetic, type Decision } from "../decision.js";
import { isValidHost, type EdgeRequest } from "../edge-request.js";

export function hostHeader(req: EdgeRequest): Decision | null {
  if (isValidHost(req.host)) return null;
  return synthetic(
    400,
    "bad-host",
    { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
    "Bad Request: the Host header must name exactly one host.\n",
  );
}
