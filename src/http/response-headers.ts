// The headers every response carries that are not cache headers (those are in
// cache/cache-status.ts): HSTS everywhere, and CORS on the sites whose objects other sites'
// pages load (players, feed readers, Nightly's embeds).

import type { Site } from "../config/hosts.js";
import type { OriginName } from "../config/origins.js";

/** RFC 6797 §6.1: one year (365.25 days), as the VCL service sent it. */
export const strictTransportSecurity = "max-age=31557600";

/**
 * `Access-Control-Allow-Origin: *` (Fetch standard, CORS protocol) on every assets-host and
 * nightly response, edge answers included, and on feeds: web podcast players read feeds and
 * mp3s from other origins, and the VCL service allowed it on every response. App pages are
 * left to the app.
 */
function sharedWithEveryOrigin(site: Site, origin: OriginName | undefined): boolean {
  return site === "assets" || site === "nightly" || origin === "feeds";
}

/**
 * @param site the site the client asked for
 * @param origin the origin that served the response, if any (undefined for edge answers)
 */
export function everyResponseHeaders(site: Site, origin: OriginName | undefined): Record<string, string> {
  const headers: Record<string, string> = { "strict-transport-security": strictTransportSecurity };
  if (sharedWithEveryOrigin(site, origin)) headers["access-control-allow-origin"] = "*";
  return headers;
}
