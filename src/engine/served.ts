// What each way of serving a request hands back to the handler: the response and what the
// cache did for it.

import type { CacheOutcome } from "../cache/outcome.js";

export interface Served {
  readonly response: Response;
  readonly cache: CacheOutcome;
  /**
   * The body is an origin response's, of declared length, handed to the platform, which sends it
   * without the program: its lines are written when the response starts, with the length handed
   * over (src/edge/logging.ts). Every other body (cache entries included: js-compute reads them
   * through JavaScript) is counted as it leaves.
   */
  readonly hostBody?: boolean;
}
