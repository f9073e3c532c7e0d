// The plain-data view of a client request that every rule decides on. Built once from the
// Web-standard Request; rules never touch the platform.

import { siteAliases, siteFor, siteHosts, type Site } from "./config/hosts.js";

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
  /** The downstream client's address as the platform saw it ("" when unknown, as in unit tests). */
  readonly clientIp: string;
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

const label = "[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?";
/** The last label starts with a letter: a numeric one would make URL parsers read an IPv4 address. */
const dnsName = new RegExp(`^(?=.{1,253}$)(?:${label}\\.)*[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$`);
const octet = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const ipv4 = new RegExp(`^${octet}(?:\\.${octet}){3}$`);

/** RFC 4291 §2.2 text forms: eight groups, or fewer around one "::", optionally ending in IPv4. */
function isIpv6(text: string): boolean {
  const halves = text.split("::");
  if (halves.length > 2) return false;
  const groups = halves.flatMap((half) => (half === "" ? [] : half.split(":")));
  let count = groups.length;
  if (groups.length > 0 && groups[groups.length - 1]!.includes(".")) {
    if (!ipv4.test(groups.pop()!)) return false;
    count += 1;
  }
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}

/**
 * Whether a normalized host is a DNS name, an IPv4 address or a bracketed IPv6 literal
 * (RFC 3986 §3.2.2), restricted to what any URL parser accepts back from a Location header.
 * Punycode labels (xn--) are not checked here, so they are not accepted: no site uses one.
 */
export function isValidHost(host: string): boolean {
  if (host.startsWith("[") && host.endsWith("]")) return isIpv6(host.slice(1, -1));
  if (/(?:^|\.)xn--/.test(host)) return false;
  return ipv4.test(host) || dnsName.test(host);
}

/** Every name the edge answers as (the sites and their staging aliases), and the www alias of each. */
const servedHosts: ReadonlySet<string> = new Set(
  [...Object.values(siteHosts), ...Object.keys(siteAliases)].flatMap((host) => [host, `www.${host}`]),
);

/** Whether `host` (normalized) is one of the names the edge answers as, or the www alias of one. */
export function isServedHost(host: string): boolean {
  return servedHosts.has(host);
}

/**
 * The host to write back into a URL the edge sends a client to: the request's own when it is one
 * of the edge's names, else the app host, which is what any other host is served as. A Host header
 * is the client's to choose, so a redirect never names one the edge does not serve: no redirect
 * of the edge's can send anyone to a site of an attacker's choosing.
 */
export function publicHost(req: Pick<EdgeRequest, "host">): string {
  return isServedHost(req.host) ? req.host : siteHosts.app;
}

/**
 * RFC 7239 §5.4 / de-facto X-Forwarded-Proto: the first value is the one the outermost proxy
 * saw from the client; only an explicit "http" means plain HTTP.
 */
export function saysPlainHttp(forwardedProto: string | null): boolean {
  if (!forwardedProto) return false;
  return forwardedProto.split(",")[0]!.trim().toLowerCase() === "http";
}

/** The URL Standard's spellings of "." and ".." in a path segment (percent-encoded dots count). */
const singleDot = /^(?:\.|%2e)$/i;
const doubleDot = /^(?:\.|%2e){2}$/i;
const mayHoldDotSegment = /\/(?:\.|%2e)/i;

/**
 * RFC 3986 §5.2.4 remove_dot_segments, with the URL Standard's percent-encoded dots: the path
 * an origin is sent can never step outside it. The platform's URL parser already does this; the
 * edge does not rely on which URL implementation a runtime embeds (Node's, for one, leaves
 * `/a/.b/..` as it is).
 */
export function withoutDotSegments(path: string): string {
  if (!mayHoldDotSegment.test(path)) return path;
  const segments = path.split("/").slice(1);
  const kept: string[] = [];
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (singleDot.test(segment)) {
      if (last) kept.push("");
    } else if (doubleDot.test(segment)) {
      kept.pop();
      if (last) kept.push("");
    } else {
      kept.push(segment);
    }
  });
  return `/${kept.join("/")}`;
}

/**
 * The request view. Its headers are a copy, listed from the platform once; every later read is
 * of the copy (http/header-limit.ts: when the platform cannot list them, the copy is empty).
 */
export function edgeRequestFrom(request: Request, clientIp = ""): EdgeRequest {
  return edgeRequestOf(request.method, new URL(request.url), new Headers(request.headers), clientIp);
}

/** The request view of a method, URL and (copied) headers: what `edgeRequestFrom` reads off a Request. */
export function edgeRequestOf(method: string, url: URL, headers: Headers, clientIp = ""): EdgeRequest {
  const host = normalizeHost(headers.get("host") ?? url.host);
  return {
    method: method.toUpperCase(),
    host,
    site: siteFor(host),
    path: withoutDotSegments(url.pathname || "/"),
    query: url.search,
    plainHttp: saysPlainHttp(headers.get("x-forwarded-proto")),
    clientIp,
    headers,
  };
}
