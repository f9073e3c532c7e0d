// The episode-download line: the 12-field CSV the changelog.com stats importer has read since
// 2016 (shared/spec/samples/episode-downloads.log). Field by field:
//   client_ip,[dd/Mon/yyyy:HH:MM:SS +0000],path_without_query,body_bytes,status,"user agent",
//   latitude,longitude,"city",continent_code,country_code,"country name"
// Unknown values are `(null)` (quoted in quoted fields) and `0.000` for coordinates. Text goes
// through `csvText` and place names through `asciiName`, so the line is printable ASCII that the
// importer always parses (see docs/logs.md, "Escaping").

import type { Exchange } from "./exchange.js";
import { asciiName, csvText, csvToken } from "./text.js";
import { clfTime } from "./time.js";

const unknown = "(null)";

export function episodeLine(x: Exchange): string {
  const { geo } = x;
  return [
    token(x.clientIp),
    clfTime(x.startedAt),
    token(x.path),
    String(x.bodyBytes),
    String(x.status),
    quoted(x.userAgent),
    coordinate(geo.latitude),
    coordinate(geo.longitude),
    quoted(geo.city === null ? null : asciiName(geo.city)),
    token(geo.continent),
    token(geo.countryCode),
    quoted(geo.countryName === null ? null : asciiName(geo.countryName)),
  ].join(",");
}

function quoted(text: string | null): string {
  return `"${text ? csvText(text) : unknown}"`;
}

function token(text: string | null): string {
  return text ? csvToken(text) : unknown;
}

/** Three decimals, always with a decimal point: the importer reads them with String.to_float. */
function coordinate(value: number | null): string {
  if (value === null || !Number.isFinite(value) || Math.abs(value) > 180) return "0.000";
  return value.toFixed(3);
}
