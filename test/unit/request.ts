// Builds EdgeRequests for unit tests the same way the shell does: from a Web Request.

import { edgeRequestFrom, type EdgeRequest } from "../../src/edge-request.js";

export function edgeRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): EdgeRequest {
  const parsed = new URL(url);
  return edgeRequestFrom(
    new Request(url, { method: init.method ?? "GET", headers: { host: parsed.host, ...init.headers } }),
  );
}
