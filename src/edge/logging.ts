// Log lines for every response (spec "Logs shipped to S3"): receives the final response and
// returns the one to send. An origin's body of declared length is handed to the platform, which
// sends it without the program, so its lines are written at once with the length handed over
// (delivery `host`); every other body (cache entries, which js-compute reads through JavaScript
// anyway, and text of unknown length) is counted as it leaves
// (src/logs/counting-body.ts) and its lines written when it has ended, inside `event.waitUntil`
// so the instance lives until then. What the lines say is decided in src/logs/; docs/logs.md
// says what `bytes` means for each delivery.

import { Logger } from "fastly:logger";
import { destinationsFor } from "../logs/destinations.js";
import type { Delivery, Exchange } from "../logs/exchange.js";
import { knownNumber, knownText, unknownGeo, type ClientGeo } from "../logs/geo.js";
import { countingBody } from "../logs/counting-body.js";
import { hasNoBody, headerValue, requestBodyBytes } from "../logs/request-facts.js";
import { writeLines } from "../logs/write-lines.js";
import type { EdgeContext } from "./context.js";
import { readCpu } from "./cpu.js";
import type { Served } from "../engine/served.js";

export function withLogging(ctx: EdgeContext, served: Served, response: Response): Response {
  const write = (bytes: number, delivery: Delivery) => {
    try {
      logExchange(ctx, served, response, bytes, delivery);
    } catch (error) {
      console.error(`log lines for ${ctx.requestId} failed: ${String(error)}`);
    }
  };
  if (!response.body || hasNoBody(ctx.req.method, response.status)) {
    write(0, "complete");
    return response;
  }
  // Keep the Content-Length the response already had (a download client needs it for progress
  // and to notice a short body), instead of the platform's chunked framing of a stream.
  const length = response.headers.get("content-length");
  const manualFramingHeaders = length !== null && /^\d{1,15}$/.test(length);
  if (manualFramingHeaders && served.hostBody) {
    write(Number(length), "host");
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers: response.headers, manualFramingHeaders });
  }
  let ended!: () => void;
  ctx.event.waitUntil(new Promise<void>((resolve) => (ended = resolve)));
  const body = countingBody(
    response.body,
    ({ bytes, delivery }) => {
      write(bytes, delivery);
      ended();
    },
    { declaredBytes: manualFramingHeaders ? Number(length) : null },
  );
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
    manualFramingHeaders,
  });
}

/**
 * A WebSocket upgrade handed to an origin: the platform takes the connection over, so the
 * request line says so (101, no bytes counted) instead of being lost.
 */
export function logHandoff(ctx: EdgeContext, cache: Served["cache"]): void {
  try {
    // 101 is no status a Response object may carry, so the line gets the facts directly.
    logExchange(ctx, { cache }, { status: 101, headers: new Headers() }, 0, "handed-off");
  } catch (error) {
    console.error(`log lines for ${ctx.requestId} failed: ${String(error)}`);
  }
}

type Answer = Pick<Response, "status" | "headers">;

function logExchange(
  ctx: EdgeContext,
  served: Pick<Served, "cache">,
  response: Answer,
  bytes: number,
  delivery: Delivery,
): void {
  const exchange = exchangeOf(ctx, served, response, bytes, delivery);
  writeLines(
    destinationsFor(ctx.req, ctx.tier.fromPop),
    exchange,
    (endpoint, line) => new Logger(endpoint).log(line),
    (endpoint, error) => console.error(`${endpoint} line for ${ctx.requestId} failed: ${String(error)}`),
  );
}

function exchangeOf(
  ctx: EdgeContext,
  served: Pick<Served, "cache">,
  response: Answer,
  bytes: number,
  delivery: Delivery,
): Exchange {
  const { req, event } = ctx;
  const client = clientFacts(event);
  return {
    startedAt: ctx.startedAt,
    elapsedUs: (performance.now() - ctx.startedAtMonotonic) * 1000,
    cpuMs: readCpu(),
    requestId: ctx.requestId,
    clientIp: client.address,
    geo: client.geo,
    method: req.method,
    host: req.host,
    path: req.path,
    query: req.query,
    protocol: client.http2 ? "HTTP/2" : "HTTP/1.1",
    tls: client.tls,
    relayed: ctx.tier.fromPop || req.headers.has("fastly-ff"),
    userAgent: headerValue(req.headers, "user-agent"),
    referer: headerValue(req.headers, "referer"),
    requestBodyBytes: requestBodyBytes(req.headers),
    status: response.status,
    contentType: response.headers.get("content-type"),
    bodyBytes: bytes,
    delivery,
    cache: served.cache,
    servedBy: ctx.servedBy,
  };
}

interface ClientFacts {
  readonly address: string;
  readonly geo: ClientGeo;
  readonly tls: boolean;
  readonly http2: boolean;
}

/** What the platform knows about the client connection; a fact it cannot give is unknown. */
function clientFacts(event: FetchEvent): ClientFacts {
  const client = event.client;
  const read = <T>(get: () => T, fallback: T): T => {
    try {
      return get() ?? fallback;
    } catch {
      return fallback;
    }
  };
  const address = read(() => client.address, "");
  return {
    address,
    geo: read(() => geoOf(client.geo), unknownGeo),
    tls: read(() => client.tlsProtocol !== null, false),
    http2: read(() => client.h2Fingerprint !== null, false),
  };
}

function geoOf(geo: import("fastly:geolocation").Geolocation | null): ClientGeo {
  if (!geo) return unknownGeo;
  return {
    city: knownText(geo.city),
    countryName: knownText(geo.country_name),
    countryCode: knownText(geo.country_code),
    continent: knownText(geo.continent),
    region: knownText(geo.region),
    latitude: knownNumber(geo.latitude),
    longitude: knownNumber(geo.longitude),
    asNumber: knownNumber(geo.as_number),
    asName: knownText(geo.as_name),
  };
}
