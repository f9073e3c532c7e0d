// The pure half of the smoke suite: filling templates in a case, and comparing one response
// with what the case expects. No I/O here, so the rules are unit-tested directly.

import type { BodyExpectation, CacheStatusExpectation, HeaderExpectation, SmokeCase } from "./cases.js";

/** Values a template may name: the run's options and numbers captured by earlier cases. */
export type Vars = Readonly<Record<string, string>>;

/** Public host → the name the target serves it as. Unmapped hosts are served as themselves. */
export type HostMap = Readonly<Record<string, string>>;

export class MissingVariable extends Error {}

const template = /\{([a-z][a-z0-9]*)(?::([^}]+)|([+-]\d+))?\}/gi;

/** Fills `{name}`, `{name+N}`/`{name-N}` (numeric variables) and `{host:public.name}`. */
export function fill(text: string, vars: Vars, hosts: HostMap): string {
  return text.replace(template, (whole, name: string, hostArg: string | undefined, offset: string | undefined) => {
    if (name === "host" && hostArg !== undefined) return actualHost(hostArg, hosts);
    if (hostArg !== undefined) return whole;
    const value = vars[name];
    if (value === undefined) throw new MissingVariable(`needs {${name}}, which no earlier case captured`);
    if (offset === undefined) return value;
    const n = Number(value);
    if (!Number.isSafeInteger(n)) throw new MissingVariable(`{${name}} is "${value}", not a whole number`);
    return String(n + Number(offset));
  });
}

/**
 * The name a target serves a public host as: mapped explicitly, or `www.` + the mapped bare
 * host, or the public name itself.
 */
export function actualHost(publicHost: string, hosts: HostMap): string {
  const mapped = hosts[publicHost];
  if (mapped) return mapped;
  if (publicHost.startsWith("www.")) {
    const bare = hosts[publicHost.slice(4)];
    if (bare) return `www.${bare}`;
  }
  return publicHost;
}

/** A response as the runner saw it. Header names in lower case, repeated headers joined by ", ". */
export interface SeenResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Body bytes received (the runner stops reading past a cap and says so). */
  readonly bodyLength: number;
  readonly bodyTruncated: boolean;
  /** The first bytes of the body, as UTF-8 text. */
  readonly bodyStart: string;
}

/** Every way the response differs from the case, as short sentences; empty when it passes. */
export function mismatches(
  expected: SmokeCase["expect"],
  every: Readonly<Record<string, HeaderExpectation>>,
  seen: SeenResponse,
  vars: Vars,
  hosts: HostMap,
): string[] {
  const problems: string[] = [];
  if (seen.status !== expected.status) problems.push(`status ${seen.status}, expected ${expected.status}`);
  const headers = { ...every, ...expected.headers };
  for (const [name, want] of Object.entries(headers)) {
    const problem = headerMismatch(name, want, seen.headers[name], vars, hosts);
    if (problem) problems.push(problem);
  }
  if (expected.body) problems.push(...bodyMismatches(expected.body, seen, vars, hosts));
  return problems;
}

function headerMismatch(
  name: string,
  want: HeaderExpectation,
  got: string | undefined,
  vars: Vars,
  hosts: HostMap,
): string | null {
  const shown = got === undefined ? "missing" : JSON.stringify(got);
  if (typeof want === "string") {
    const value = fill(want, vars, hosts);
    return got === value ? null : `${name} ${shown}, expected ${JSON.stringify(value)}`;
  }
  if ("absent" in want) return got === undefined ? null : `${name} ${shown}, expected none`;
  if (got === undefined) return `${name} missing`;
  if ("present" in want) return null;
  if ("startsWith" in want) {
    const value = fill(want.startsWith, vars, hosts);
    return got.startsWith(value) ? null : `${name} ${shown}, expected to start with ${JSON.stringify(value)}`;
  }
  if ("contains" in want) {
    const value = fill(want.contains, vars, hosts);
    return got.includes(value) ? null : `${name} ${shown}, expected to contain ${JSON.stringify(value)}`;
  }
  const problem = cacheStatusMismatch(got, want.cacheStatus);
  return problem ? `${name} ${shown}: ${problem}` : null;
}

function bodyMismatches(want: BodyExpectation, seen: SeenResponse, vars: Vars, hosts: HostMap): string[] {
  const problems: string[] = [];
  const got = seen.bodyTruncated ? `more than ${seen.bodyLength} bytes` : `${seen.bodyLength} bytes`;
  if (want.empty && (seen.bodyLength !== 0 || seen.bodyTruncated)) problems.push(`body has ${got}, expected none`);
  if (want.length !== undefined) {
    const length = Number(typeof want.length === "number" ? want.length : fill(want.length, vars, hosts));
    if (seen.bodyTruncated || seen.bodyLength !== length) problems.push(`body has ${got}, expected ${length}`);
  }
  if (want.startsWith !== undefined && !seen.bodyStart.startsWith(want.startsWith)) {
    problems.push(`body starts ${JSON.stringify(seen.bodyStart.slice(0, 40))}, expected ${JSON.stringify(want.startsWith)}`);
  }
  return problems;
}

// ---- Cache-Status (RFC 9211) ----

/** The cache name this edge uses as its Cache-Status list member (src/cache/cache-status.ts). */
export const edgeCacheName = "changelog-edge";

/** RFC 9211 §2.1–2.8: the parameters a Cache-Status member may carry. */
const knownParams = new Set(["hit", "fwd", "fwd-status", "ttl", "stored", "collapsed", "key", "detail"]);
/** RFC 9211 §2.2: the values of `fwd`. */
const forwardReasons = new Set([
  "bypass", "method", "uri-miss", "vary-miss", "miss", "request", "stale", "partial",
]);

export interface CacheStatusMember {
  readonly cache: string;
  readonly params: ReadonlyMap<string, string | true>;
}

// RFC 8941 §3.3: tokens, strings (with \" and \\ escapes), integers; enough for Cache-Status.
const token = /^[A-Za-z*][A-Za-z0-9:/!#$%&'*+.^_`|~-]*/;
const key = /^[a-z*][a-z0-9_.*-]*/;

/** Parses a Cache-Status field value into its list members, or throws on a malformed one. */
export function parseCacheStatus(field: string): CacheStatusMember[] {
  const members: CacheStatusMember[] = [];
  let rest = field.trim();
  while (rest.length > 0) {
    let cache: string;
    if (rest.startsWith('"')) {
      const [value, after] = quoted(rest);
      cache = value;
      rest = after;
    } else {
      const m = token.exec(rest);
      if (!m) throw new Error(`expected a cache name at ${JSON.stringify(rest.slice(0, 20))}`);
      cache = m[0];
      rest = rest.slice(m[0].length);
    }
    const params = new Map<string, string | true>();
    while (rest.startsWith(";")) {
      rest = rest.slice(1).trimStart();
      const k = key.exec(rest);
      if (!k) throw new Error(`expected a parameter name at ${JSON.stringify(rest.slice(0, 20))}`);
      rest = rest.slice(k[0].length);
      let value: string | true = true;
      if (rest.startsWith("=")) {
        rest = rest.slice(1);
        if (rest.startsWith('"')) {
          [value, rest] = quoted(rest);
        } else {
          const v = /^-?[0-9]+|^[A-Za-z*][A-Za-z0-9:/!#$%&'*+.^_`|~-]*/.exec(rest);
          if (!v) throw new Error(`bad value for ${k[0]} at ${JSON.stringify(rest.slice(0, 20))}`);
          value = v[0];
          rest = rest.slice(v[0].length);
        }
      }
      params.set(k[0], value);
    }
    members.push({ cache, params });
    rest = rest.trimStart();
    if (rest.length === 0) break;
    if (!rest.startsWith(",")) throw new Error(`expected "," or ";" at ${JSON.stringify(rest.slice(0, 20))}`);
    rest = rest.slice(1).trimStart();
  }
  if (members.length === 0) throw new Error("empty");
  return members;
}

function quoted(text: string): [string, string] {
  let value = "";
  for (let i = 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\") {
      const next = text[i + 1];
      if (next !== '"' && next !== "\\") throw new Error("bad escape in a string");
      value += next;
      i++;
    } else if (c === '"') {
      return [value, text.slice(i + 1)];
    } else {
      value += c;
    }
  }
  throw new Error("unterminated string");
}

/** Why a Cache-Status value is not this edge's well-formed member, or null when it is. */
export function cacheStatusMismatch(field: string, want: CacheStatusExpectation): string | null {
  let members: CacheStatusMember[];
  try {
    members = parseCacheStatus(field);
  } catch (error) {
    return `not an RFC 9211 list (${(error as Error).message})`;
  }
  // RFC 9211 §2: each cache adds its member to the end, so the edge's is the last one.
  const ours = members[members.length - 1]!;
  if (ours.cache !== edgeCacheName) return `last member is "${ours.cache}", expected ${edgeCacheName}`;
  for (const [name, value] of ours.params) {
    if (!knownParams.has(name)) return `unknown parameter ${name}`;
    if (name === "fwd" && (value === true || !forwardReasons.has(value))) return `fwd=${String(value)} is not an RFC 9211 reason`;
    if ((name === "ttl" || name === "fwd-status") && (value === true || !/^-?\d+$/.test(value))) {
      return `${name} must be an integer`;
    }
  }
  if (ours.params.has("hit") && ours.params.has("fwd")) return "both hit and fwd";
  const hit = ours.params.has("hit");
  if (want.hit === true && !hit) return "expected a hit";
  if (want.hit === false && hit) return "expected no hit";
  if (want.detailWord !== undefined) {
    const detail = ours.params.get("detail");
    if (typeof detail !== "string") return `no detail naming ${want.detailWord}`;
    if (!detail.split(/[^A-Za-z0-9_-]+/).includes(want.detailWord)) return `detail does not name ${want.detailWord}`;
  }
  return null;
}
