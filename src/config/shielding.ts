// Shielding (issue 15): which Fastly POP is the shield, and which origins are filled through it.
// A POP that is not the shield asks the shield POP's copy of this same service for what it lacks;
// the shield fills from the origins. The VCL service shielded in Ashburn, next to R2's and Fly's
// iad regions; docs/caching.md "Two tiers" says how a request travels and what it costs.

import type { OriginName } from "./origins.js";

/**
 * The shield POP's code (https://www.fastly.com/documentation/guides/concepts/shielding/#shield-locations).
 * Ashburn, Virginia, as the VCL service's `ssl_shield_iad_va_us`.
 */
export const shieldPop = "iad-va-us";

/**
 * Whether each origin's cacheable requests go through the shield.
 * - assets, feeds: every POP would otherwise fill every episode and feed from R2 on its own
 *   (one R2 read per segment per POP and per cache node); through the shield, R2 sees one.
 * - nightly: a static site whose pages every POP would fetch from Fly alike.
 * - app: not shielded. Its pages are short-lived (60 s fresh), most of its traffic passes uncached
 *   (cookies, signed-in pages, POSTs, LiveView), the Fly app is itself served from iad, so a
 *   second hop through Ashburn adds latency for little offload, and an app bug that shows a
 *   personal page must never be kept at a second tier.
 * Passes (never cached) go straight to the origin on every route: the shield could not keep them.
 */
export const shieldedOrigins: Readonly<Record<OriginName, boolean>> = {
  app: false,
  assets: true,
  feeds: true,
  nightly: true,
};

/**
 * The request header a POP marks its requests to the shield with; its value is the secret
 * `shield_token` (secret store `edge_secrets`). Only a request carrying the right token is
 * treated as coming from a POP (no log lines for the stats, the edge's cache-control headers
 * kept for the POP); anyone else sending the header is an ordinary client, and the header never
 * reaches an origin.
 */
export const tierHeader = "edge-tier-token";

/** The secret store entry holding the token of `tierHeader`. */
export const shieldTokenKey = "shield_token";

/**
 * How long a POP waits for the shield's first byte: the shield may itself wait an origin's
 * first-byte timeout and retry once, so a POP that gave up sooner would answer 504 while the
 * shield's answer was on its way.
 */
export const shieldFirstByteTimeoutMs = 2 * 15_000 + 5_000;
