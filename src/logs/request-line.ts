// The request log: one JSON line for every request the edge answers, for Honeycomb or S3. Flat
// keys (query engines index them directly), always all of them, null when unknown.

import { logValueCaps } from "../config/log-caps.js";
import { serverIdentity } from "../cache/cache-status.js";
import { exchangeUrl, type Exchange } from "./exchange.js";
import { jsonLine } from "./json.js";
import { isoTime } from "./time.js";

export function requestLine(x: Exchange): string {
  const { geo, cache } = x;
  return jsonLine({
    time: isoTime(x.startedAt),
    elapsed_us: Math.max(0, Math.round(x.elapsedUs)),
    cpu_ms: x.cpuMs === null ? null : Math.max(0, Math.round(x.cpuMs)),
    request_id: x.requestId,
    method: x.method,
    host: x.host,
    url: exchangeUrl(x),
    protocol: x.protocol,
    tls: x.tls,
    http2: x.protocol === "HTTP/2",
    relayed: x.relayed,
    client_ip: x.clientIp,
    geo_country_code: geo.countryCode,
    geo_country: geo.countryName,
    geo_region: geo.region,
    geo_city: geo.city,
    geo_continent: geo.continent,
    geo_latitude: geo.latitude,
    geo_longitude: geo.longitude,
    geo_as_number: geo.asNumber,
    pop: x.servedBy.pop,
    server: serverIdentity(x.servedBy),
    origin: cache.origin ?? null,
    cache_state: cache.state,
    cache_note: cache.note ?? null,
    status: x.status,
    content_type: x.contentType,
    bytes_in: x.requestBodyBytes,
    bytes_out: x.bodyBytes,
    delivery: x.delivery,
    user_agent: x.userAgent,
    referer: x.referer,
  }, requestLineCaps);
}

/** Caps of the free-text keys; every other string takes `logValueCaps.other`. */
const requestLineCaps = { url: logValueCaps.url, user_agent: logValueCaps.userAgent, referer: logValueCaps.referer };
