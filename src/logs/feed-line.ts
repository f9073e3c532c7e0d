// The feed-request line: one JSON object per request for a podcast feed, with exactly the keys,
// key order and layout of the lines the subscriber counter already reads
// (shared/spec/samples/feed-requests.log, Fastly's S3 JSON log format). Geo names are lower-case
// ASCII as Fastly's VCL gave them ("woluwe-saint-pierre"); unknown ones are "(null)".

import { serverIdentity } from "../cache/cache-status.js";
import { exchangeUrl, fastlyState, type Exchange } from "./exchange.js";
import { logValueCaps } from "../config/log-caps.js";
import { jsonCapped, jsonValue, type JsonScalar } from "./json.js";
import { reasonPhrase } from "./reason-phrases.js";
import { asciiName } from "./text.js";
import { feedTime } from "./time.js";

export function feedLine(x: Exchange): string {
  const fields: readonly [string, JsonScalar][] = [
    ["timestamp", feedTime(x.startedAt)],
    ["client_ip", x.clientIp],
    ["geo_country", placeName(x.geo.countryName)],
    ["geo_city", placeName(x.geo.city)],
    ["host", x.host],
    ["url", exchangeUrl(x)],
    ["request_method", x.method],
    ["request_protocol", x.protocol],
    ["request_referer", x.referer ?? ""],
    ["request_user_agent", x.userAgent ?? ""],
    ["response_state", fastlyState(x.cache, x.status)],
    ["response_status", x.status],
    ["response_reason", reasonPhrase(x.status)],
    ["response_body_size", x.bodyBytes],
    ["fastly_server", serverIdentity(x.servedBy)],
    ["fastly_is_edge", !x.relayed],
  ];
  return `{${fields.map(([key, value]) => `     "${key}": ${jsonValue(jsonCapped(value, feedLineCaps[key]))}`).join(",")}   }`;
}

/** Caps of the free-text keys; every other string takes `logValueCaps.other`. */
const feedLineCaps: Readonly<Record<string, number>> = {
  url: logValueCaps.url,
  request_referer: logValueCaps.referer,
  request_user_agent: logValueCaps.userAgent,
};

function placeName(name: string | null): string {
  return name === null ? "(null)" : asciiName(name).toLowerCase();
}
