// The episode-download line: the 12-field CSV the changelog.com stats importer has read since
// 2016 (shared/spec/samples/episode-downloads.log). Field by field:
//   client_ip,[dd/Mon/yyyy:HH:MM:SS +0000],path_without_query,body_bytes,status,"user agent",
//   latitude,longitude,"city",continent_code,country_code,"country name"
// Unknown values are `(null)` (quoted in quoted fields) and `0.000` for coordinates. Quoted text
// goes through `csvQuoted` and place names through `asciiName` first, so the importer reads back
// the text itself, UTF-8 included; every value is capped (see docs/logs.md, "Escaping", "Sizes").

import { logValueCaps } from "../config/log-caps.js";
import type { Exchange } from "./exchange.js";
import { asciiName, csvQuoted, csvToken, cutText, utf8Length } from "./text.js";
import { clfTime } from "./time.js";

const unknown = "(null)";

export function episodeLine(x: Exchange): string {
  const { geo } = x;
  return [
    token(x.clientIp),
    clfTime(x.startedAt),
    token(x.path, logValueCaps.url),
    String(x.bodyBytes),
    String(x.status),
    quoted(x.userAgent, logValueCaps.userAgent),
    coordinate(geo.latitude),
    coordinate(geo.longitude),
    quoted(geo.city === null ? null : asciiName(geo.city)),
    token(geo.continent),
    token(geo.countryCode),
    quoted(geo.countryName === null ? null : asciiName(geo.countryName)),
  ].join(",");
}

function quoted(text: string | null, cap: number = logValueCaps.other): string {
  return text ? csvQuoted(cutText(text, cap, quotedCost)) : `"${unknown}"`;
}

function token(text: string | null, cap: number = logValueCaps.other): string {
  return text ? csvToken(cutText(text, cap, tokenCost)) : unknown;
}

/**
 * Bytes one code point takes in a quoted field, at most: a quote is written doubled, plus at most
 * one more on each side of its run (4); a control character becomes a space and a lone surrogate
 * U+FFFD, neither longer than its own UTF-8 length.
 */
function quotedCost(code: number): number {
  return code === 0x22 ? 4 : utf8Length(code);
}

/** `csvToken` keeps printable ASCII but comma and quote, and percent-encodes every other byte. */
function tokenCost(code: number): number {
  return code > 0x20 && code < 0x7f && code !== 0x2c && code !== 0x22 ? 1 : 3 * utf8Length(code);
}

/** The cost functions of the episode line's fields, for the tests of `cutText`. */
export const episodeCosts = { quoted: quotedCost, token: tokenCost } as const;

/** Three decimals, always with a decimal point: the importer reads them with String.to_float. */
function coordinate(value: number | null): string {
  if (value === null || !Number.isFinite(value) || Math.abs(value) > 180) return "0.000";
  return value.toFixed(3);
}
