// Rule 2: a request that a proxy in front says came over plain HTTP is sent to HTTPS on the
// same host, path and query kept. In production Fastly answers port 80 itself; this is for
// requests that arrive through a proxy with `X-Forwarded-Proto: http`, and how tests exercise it.
// Same host first, then any www redirect: the order HSTS preload asks for (hstspreload.org).

import type { Decision } from "../decision.js";
import { publicHost, type EdgeRequest } from "../edge-request.js";
import { httpsUrl, redirect } from "../http/redirect.js";

export function plainHttp(req: EdgeRequest): Decision | null {
  if (!req.plainHttp) return null;
  return redirect(301, httpsUrl(publicHost(req), req.path + req.query), "plain-http");
}
