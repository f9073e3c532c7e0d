// Writing one request's lines: each endpoint on its own, so an endpoint that throws (missing,
// failing, or a line writer's bug) loses its own line only, never another endpoint's line.

import type { LogEndpoint } from "../config/log-endpoints.js";
import type { LogDestinations } from "./destinations.js";
import { episodeLine } from "./episode-line.js";
import type { Exchange } from "./exchange.js";
import { feedLine } from "./feed-line.js";
import { requestLine } from "./request-line.js";

/** Sends one line to one endpoint (the shell: `new Logger(name).log(line)`). */
export type LineSink = (endpoint: string, line: string) => void;

/** The lines `destinations` asks for, each written and each failure reported on its own. */
export function writeLines(
  destinations: LogDestinations,
  exchange: Exchange,
  sink: LineSink,
  failed: (endpoint: string, error: unknown) => void,
): void {
  const write = (endpoint: LogEndpoint, line: (x: Exchange) => string) => {
    try {
      sink(endpoint.name, line(exchange));
    } catch (error) {
      failed(endpoint.name, error);
    }
  };
  if (destinations.episode) write(destinations.episode, episodeLine);
  if (destinations.feed) write(destinations.feed, feedLine);
  write(destinations.request, requestLine);
}
