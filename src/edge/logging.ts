// Log lines for every response (issue 6 writes the S3 formats here). Receives the final
// response and returns the one to send, so it can count the bytes that actually leave.

import type { RequestContext } from "./context.js";
import type { Served } from "./served.js";

export function withLogging(_ctx: RequestContext, _served: Served, response: Response): Response {
  return response;
}
