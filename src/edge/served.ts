// What each way of serving a request hands back to the handler: the response and what the
// cache did for it.

import type { CacheOutcome } from "../cache/outcome.js";

export interface Served {
  readonly response: Response;
  readonly cache: CacheOutcome;
}
