// Requests whose headers the platform could not hand over whole. js-compute reads every header
// value through a 69,000-byte buffer (the size of Fastly's documented 69 KB request-header
// limit); when one value is longer, listing the headers fails inside the runtime and the list
// reads as empty, without an exception the program could catch. Serving such a request would
// mean sending the origin a request without the client's headers (no Range, no cookies), so it
// is refused instead: 431 (RFC 6585 §5).

import { synthetic, type Synthetic } from "../decision.js";

/**
 * Whether the copied header list is the client's: a Host header the platform gave when asked
 * for it alone must be in the full list too. (A request without a Host header, as HTTP/2 ones may
 * be, cannot be told apart and is taken as it is.)
 */
export function headersComplete(hostAlone: string | null, copied: Headers): boolean {
  return hostAlone === null || copied.has("host");
}

/**
 * Without a body: the runtime ends the request soon after its failed read (it reports the
 * failure as an uncaught exception once the current job ends), so the answer must not need the
 * program to stream anything.
 */
export const headerFieldsTooLarge: Synthetic = synthetic(431, "header-too-large", { "cache-control": "no-store" });
