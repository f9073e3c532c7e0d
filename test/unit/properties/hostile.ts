// What a hostile client can put in a request, shaped the way the platform hands it to the
// program: a request target of visible ASCII (hyper refuses anything else with a 400), which the
// runtime turns into a URL; a Host header (Viceroy builds the URL's authority from it); a method
// token; header values as byte strings. Requests are built through `edgeRequestFrom` exactly as
// the shell builds them, so URL parsing (dot segments, percent escapes, backslashes) is the real one.

import fc from "fast-check";
import { edgeRequestFrom, type EdgeRequest } from "../../../src/edge-request.js";

/** Pieces attackers use in paths: traversal, encoded nulls and slashes, broken escapes, CR/LF. */
const pathPieces = [
  "..",
  ".",
  "%2e%2e",
  "%2E%2e",
  ".%2e",
  "%2e",
  "%00",
  "%zz",
  "%",
  "%2f",
  "%5c",
  "\\",
  "//",
  "/\\",
  "%0d%0a",
  "%0D%0ASet-Cookie:%20x=1",
  "@evil.com",
  "evil.com",
  "//evil.com",
  "/\\evil.com",
  "%2F%2Fevil.com",
  "javascript:alert(1)",
  ";",
  "?",
  "#",
  "uploads",
  "podcast",
  "feed",
  "feeds",
  "embed.js",
  "health",
  "rss",
  "practicalai",
  "the-changelog-600.mp3",
];

const visible = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));

/** A segment: attack pieces, plain words and any visible ASCII. */
const segment = fc.oneof(
  fc.constantFrom(...pathPieces),
  fc.stringMatching(/^[a-z0-9._-]{0,12}$/),
  fc.array(visible, { maxLength: 8 }).map((chars) => chars.join("")),
);

/** A request target in origin form: "/" and segments, sometimes a query of anything visible. */
export const hostileTarget = fc
  .tuple(
    fc.array(segment, { maxLength: 8 }),
    fc.option(fc.array(fc.oneof(visible, fc.constantFrom("%", "%zz", "&", "=", "%00", "%0a", "/", "?", "//evil.com")), { maxLength: 30 })),
  )
  .map(([segments, query]) => `/${segments.join("/")}${query === null ? "" : `?${query.join("")}`}`);

/** Names the edge answers as, and look-alikes. */
export const servedNames = [
  "changelog.com",
  "cdn.changelog.com",
  "nightly.changelog.com",
  "staging.changelog.com",
  "cdn.staging.changelog.com",
  "nightly.staging.changelog.com",
];

/** A Host header value: the edge's names (any case, ports, trailing dots, www), strangers, junk. */
export const hostileHost = fc.oneof(
  fc.constantFrom(...servedNames, ...servedNames.map((h) => `www.${h}`)),
  fc.constantFrom(
    "evil.com",
    "www.evil.com",
    "changelog.com.evil.com",
    "evilchangelog.com",
    "changelog.com@evil.com",
    "evil.com#changelog.com",
    "changelog.com, evil.com",
    "changelog.com,changelog.com",
    "127.0.0.1",
    "[::1]",
    "localhost",
    "www.",
    "www",
    "a..b",
    `${"a".repeat(64)}.com`,
  ),
  fc.tuple(fc.constantFrom(...servedNames, "evil.com"), fc.constantFrom("", ":443", ":80", ":7676", ".", ". "), fc.boolean()).map(
    ([host, suffix, upper]) => `${upper ? host.toUpperCase() : host}${suffix}`,
  ),
  fc.domain(),
  fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,40}$/),
);

/** A method token (RFC 9110 §9.1: case-sensitive tokens), common, odd and lower-case. */
export const hostileMethod = fc.oneof(
  fc.constantFrom("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PURGE", "FOO", "get", "purge", "head"),
  fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,16}$/),
);

/** A header value as a byte string (RFC 9110 §5.5: visible ASCII, spaces, tabs, obs-text). */
export const headerValue = (maxLength = 60) =>
  fc
    .array(fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.constant(0x09), fc.integer({ min: 0x80, max: 0xff })), {
      maxLength,
    })
    .map((codes) => String.fromCharCode(...codes).trim());

/** The request view the shell would build for these pieces. */
export function hostileRequest(
  host: string,
  target: string,
  method = "GET",
  headers: Record<string, string> = {},
): EdgeRequest {
  // The authority of the URL does not matter: the Host header wins, as under Viceroy.
  const request = new Request(`https://changelog.com${target}`, { method: "GET", headers: { ...headers, host } });
  const req = edgeRequestFrom(request);
  return { ...req, method: method.toUpperCase() };
}
