// What each way of serving a request hands back to the handler: the response and what the
// cache did for it.

import type { CacheOutcome } from "../cache/outcome.js";

export interface Served {
  readonly response: Response;
  readonly cache: CacheOutcome;
  /**
   * The program writes this body itself (several cache entries, or multipart text between them):
   * its bytes are counted as they leave. Every other body of declared length is handed to the
   * platform and logged when the response starts (src/edge/logging.ts).
   */
  readonly guestBody?: boolean;
}
