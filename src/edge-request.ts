// The plain-data view of a client request that every rule decides on. Built once from the
// Web-standard Request; rules never touch the platform.

import { siteFor, type Site } from "./config/hosts.js";

export interface EdgeRequest {
  readonly method: string;
  /** Lower-case host without port, as the client asked for it. */
  readonly host: string;
  readonly site: Site;
  /** Path as received (still percent-encoded), always starting with "/". */
  readonly path: string;
  /** Query string including its leading "?", or "" when there is none. */
  readonly query: string;
  /** True when a proxy in front said the client came over plain HTTP. */
  readonly plainHttp: boolean;
  readonly headers: Headers;
}

/** Strips a port and a trailing dot, lower-cases; an empty or missing host becomes "". */
export function normalizeHost(raw: string | null): string {
  if (!raw) return "";
  let host = raw.trim().toLowerCase();
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    host = end === -1 ? host : host.slice(0, end + 1);
  } else {
    const colon = host.indexOf(":");
    if (colon !== -1) host = host.slice(0, colon);
  }
  if (host.endsWith(".")) host = host.slice(0, -1);
  return host;
}

export function edgeRequestFrom(request: Request): EdgeRequest {
  const url = new URL(request.url);
  const host = normalizeHost(request.headers.get("host") ?? url.host);
  return {
    method: request.method.toUpperCase(),
    host,
    site: siteFor(host),
    path: url.pathname || "/",
    query: url.search,
    plainHttp: (request.headers.get("x-forwarded-proto") ?? "").trim().toLowerCase() === "http",
    headers: request.headers,
  };
}
