// Which log lines a request gets. Every request gets a request-log line. An episode download
// (a path under /uploads/<slug>/ on the assets host, for a podcast of the table) gets a CSV line
// on that podcast's endpoint; a feed request (an app-host feed path, as routing knows them) gets
// a feed line. Requests relayed by another Fastly node (`Fastly-FF`) were already counted by the
// node the client reached, so they get neither (spec "Logs shipped to S3"); so do requests a POP
// of this service sends the shield (`fromPop`, proven by the shield token, src/edge/shield.ts):
// the POP that answered the listener writes the download's line, once. A PURGE is an operator
// clearing the cache, not a listener: it gets its request line only.

import { episodeEndpoints, feedEndpoint, requestEndpoint, type LogEndpoint } from "../config/log-endpoints.js";
import type { EdgeRequest } from "../edge-request.js";
import { feedPathFor } from "../rules/origin-routing.js";

export interface LogDestinations {
  readonly episode: LogEndpoint | null;
  readonly feed: LogEndpoint | null;
  readonly request: LogEndpoint;
}

const uploadsPrefix = "/uploads/";

export function destinationsFor(req: Pick<EdgeRequest, "method" | "site" | "path" | "headers">, fromPop = false): LogDestinations {
  const counted = !fromPop && !req.headers.has("fastly-ff") && req.method !== "PURGE";
  return {
    episode: counted && req.site === "assets" ? episodeEndpointFor(req.path) : null,
    feed: counted && req.site === "app" && feedPathFor(req.path) !== null ? feedEndpoint : null,
    request: requestEndpoint,
  };
}

/** The endpoint of the podcast whose uploads folder holds `path`, or null. */
export function episodeEndpointFor(path: string): LogEndpoint | null {
  if (!path.startsWith(uploadsPrefix)) return null;
  const slugEnd = path.indexOf("/", uploadsPrefix.length);
  if (slugEnd === -1) return null;
  return episodeEndpoints.get(path.slice(uploadsPrefix.length, slugEnd)) ?? null;
}
