// An origin's answer passed on to the client as it came: the one shape every uncached answer
// takes on every route (the pass of src/engine/pass.ts, and what the pages engine may not or
// could not store, src/engine/cached.ts).

import { withoutConnectionSpecific } from "../http/hop-by-hop.js";

/**
 * `upstream` relayed: its connection-specific headers end at the edge (RFC 9110 §7.6.1), its
 * status and reason phrase are kept, and its body is handed over as it is (on the host). A HEAD
 * gets no body (an engine asks the origin with GET for it, so that body is cancelled) and keeps
 * the Content-Length a GET would have (§9.3.2), which the runtime drops from a bodyless response
 * unless it is told the framing headers are the program's.
 */
export function relayedAnswer(upstream: Response, head: boolean): Response {
  if (head) upstream.body?.cancel().catch(() => {});
  const headers = withoutConnectionSpecific(upstream.headers);
  const manualFramingHeaders = head && headers.has("content-length");
  return new Response(head ? null : upstream.body, { status: upstream.status, statusText: upstream.statusText, headers, manualFramingHeaders });
}
