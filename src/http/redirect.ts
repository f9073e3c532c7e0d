// Redirect answers the edge writes itself: a Location that is always a valid header value, and
// the optional one-line HTML body that links to it.

import { synthetic, type Synthetic } from "../decision.js";

/**
 * An absolute https URL for `host` and a path with its query. The path already comes
 * percent-encoded from URL parsing; anything outside visible ASCII is encoded again here so a
 * Location can never carry a control character or a line break (RFC 9110 §10.2.2, §5.5).
 */
export function httpsUrl(host: string, pathAndQuery: string): string {
  const path = pathAndQuery.startsWith("/") ? pathAndQuery : `/${pathAndQuery}`;
  return `https://${host}${path.replace(/[^\x21-\x7e]/gu, percentEncoded)}`;
}

const utf8 = new TextEncoder();

/** UTF-8 percent-encoding that, unlike encodeURIComponent, never throws (lone surrogates become U+FFFD). */
function percentEncoded(char: string): string {
  let out = "";
  for (const byte of utf8.encode(char)) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  return out;
}

const htmlEscapes: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

/** The one-line body browsers show when they do not follow a redirect themselves. */
export function redirectHtml(location: string): string {
  const href = location.replace(/[&<>"]/g, (c) => htmlEscapes[c]!);
  return `<html><body>You are being <a href="${href}">redirected</a>.</body></html>\n`;
}

/** RFC 9110 §15.4: a redirect with an empty body, or with the one-line HTML body. */
export function redirect(
  status: 301 | 302 | 307 | 308,
  location: string,
  reason: string,
  body: "empty" | "html" = "empty",
): Synthetic {
  if (body === "empty") return synthetic(status, reason, { location });
  return synthetic(status, reason, { location, "content-type": "text/html; charset=utf-8" }, redirectHtml(location));
}
