// Origin fetches for cacheable requests: retried once on a 5xx or a connection failure (spec,
// Caching), so one bad answer from Fly or R2 does not reach a listener.

import type { ToOrigin } from "../decision.js";
import type { RequestContext } from "./context.js";
import { fetchFromOrigin, type OriginFetchOptions } from "./origin-fetch.js";

export type OriginResult =
  | { readonly ok: true; readonly response: Response }
  /** Both tries failed: the last 5xx answer if there was one, else null (connection failure). */
  | { readonly ok: false; readonly response: Response | null; readonly error: string };

export async function fetchWithRetry(
  ctx: RequestContext,
  decision: Pick<ToOrigin, "origin" | "originPath">,
  options: OriginFetchOptions = {},
): Promise<OriginResult> {
  let last: OriginResult = { ok: false, response: null, error: "not tried" };
  for (let attempt = 1; attempt <= 2; attempt++) {
    if (!last.ok && last.response) await last.response.body?.cancel();
    try {
      const response = await fetchFromOrigin(ctx, decision, options);
      if (response.status < 500) return { ok: true, response };
      last = { ok: false, response, error: `status ${response.status}` };
    } catch (error) {
      last = { ok: false, response: null, error: String(error) };
    }
  }
  return last;
}
