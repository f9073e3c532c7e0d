// Conditional requests (RFC 9110 §13) against a representation whose validators the edge knows:
// If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since in the order of §13.2.2, and
// If-Range (§13.1.5), which decides whether a Range is honoured. Pure; header reading is the
// caller's (a Headers object in, a decision out).

export interface Validators {
  /** The ETag as the origin sent it, e.g. `"abc"` or `W/"abc"`; null when there is none. */
  readonly etag: string | null;
  /** The Last-Modified value as the origin sent it; null when there is none. */
  readonly lastModified: string | null;
}

export type Precondition =
  /** Serve the request normally. */
  | { readonly kind: "proceed" }
  /** 304 Not Modified (GET/HEAD whose If-None-Match or If-Modified-Since failed). */
  | { readonly kind: "not-modified" }
  /** 412 Precondition Failed: If-Match or If-Unmodified-Since failed, or If-None-Match on an unsafe method. */
  | { readonly kind: "failed"; readonly header: "if-match" | "if-unmodified-since" | "if-none-match" };

interface EntityTag {
  readonly weak: boolean;
  readonly opaque: string;
}

/** `W/"x"` or `"x"` (§8.8.3); null when malformed. */
export function parseEntityTag(value: string): EntityTag | null {
  const match = /^(W\/)?("[\x21\x23-\x7e\x80-\xff]*")$/.exec(value.trim());
  if (!match) return null;
  return { weak: match[1] !== undefined, opaque: match[2]! };
}

/** §8.8.3.2: strong comparison: both strong and identical. */
export function strongMatch(a: string, b: string): boolean {
  const x = parseEntityTag(a);
  const y = parseEntityTag(b);
  return !!x && !!y && !x.weak && !y.weak && x.opaque === y.opaque;
}

/** §8.8.3.2: weak comparison: identical opaque tags, weakness ignored. */
export function weakMatch(a: string, b: string): boolean {
  const x = parseEntityTag(a);
  const y = parseEntityTag(b);
  return !!x && !!y && x.opaque === y.opaque;
}

/**
 * The members of an If-Match / If-None-Match list: `*`, or entity-tags. Commas inside a quoted
 * opaque tag do not split it. Malformed members are dropped (they can match nothing).
 */
export function entityTagList(value: string): "*" | string[] {
  if (value.trim() === "*") return "*";
  const tags = value.match(/(?:W\/)?"[^"]*"/g) ?? [];
  return tags.filter((tag) => parseEntityTag(tag) !== null);
}

const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const imfFixdate = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const rfc850 =
  /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const asctime = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/**
 * An HTTP-date (§5.6.7) as seconds since the epoch, or null. All three formats are accepted, as
 * recipients must; parsed by hand so the edge (SpiderMonkey) and the tests (V8) agree.
 */
export function parseHttpDate(value: string): number | null {
  const text = value.trim();
  let day: number, month: number, year: number, hour: number, minute: number, second: number;
  let m = imfFixdate.exec(text);
  if (m) {
    [day, month, year, hour, minute, second] = [Number(m[1]), months.indexOf(m[2]!), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])];
  } else if ((m = rfc850.exec(text))) {
    // §5.6.7: a two-digit year more than 50 years in the future is in the past century.
    const yy = Number(m[3]);
    const thisYear = new Date().getUTCFullYear();
    year = 2000 + yy > thisYear + 50 ? 1900 + yy : 2000 + yy;
    [day, month, hour, minute, second] = [Number(m[1]), months.indexOf(m[2]!), Number(m[4]), Number(m[5]), Number(m[6])];
  } else if ((m = asctime.exec(text))) {
    [month, day, hour, minute, second, year] = [months.indexOf(m[1]!), Number(m[2]!.trim()), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])];
  } else {
    return null;
  }
  if (month < 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const ms = Date.UTC(year, month, day, hour, minute, second);
  if (new Date(ms).getUTCDate() !== day) return null;
  return ms / 1000;
}

/**
 * §13.2.2: the preconditions of a GET or HEAD, in order. If-Match (§13.1.1, strong comparison),
 * else If-Unmodified-Since (§13.1.4); then If-None-Match (§13.1.2, weak comparison), else
 * If-Modified-Since (§13.1.3). A date that does not parse is ignored, as is a date condition on a
 * representation without Last-Modified.
 */
export function evaluatePreconditions(method: string, headers: Headers, validators: Validators): Precondition {
  const safe = method === "GET" || method === "HEAD";
  const modified = validators.lastModified === null ? null : parseHttpDate(validators.lastModified);

  const ifMatch = headers.get("if-match");
  if (ifMatch !== null) {
    const list = entityTagList(ifMatch);
    const matched = list === "*" || (validators.etag !== null && list.some((tag) => strongMatch(tag, validators.etag!)));
    if (!matched) return { kind: "failed", header: "if-match" };
  } else {
    const since = dateOf(headers.get("if-unmodified-since"));
    if (since !== null && modified !== null && modified > since) return { kind: "failed", header: "if-unmodified-since" };
  }

  const ifNoneMatch = headers.get("if-none-match");
  if (ifNoneMatch !== null) {
    const list = entityTagList(ifNoneMatch);
    const matched = list === "*" || (validators.etag !== null && list.some((tag) => weakMatch(tag, validators.etag!)));
    if (matched) return safe ? { kind: "not-modified" } : { kind: "failed", header: "if-none-match" };
  } else if (safe) {
    const since = dateOf(headers.get("if-modified-since"));
    if (since !== null && modified !== null && modified <= since) return { kind: "not-modified" };
  }
  return { kind: "proceed" };
}

/**
 * §13.1.5: whether a Range may be honoured given If-Range. An entity-tag must match the current
 * one by strong comparison (a weak tag never does); a date must equal Last-Modified exactly.
 * Without If-Range the Range stands.
 */
export function ifRangeHolds(ifRange: string | null, validators: Validators): boolean {
  if (ifRange === null) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith("W/")) {
    return validators.etag !== null && strongMatch(value, validators.etag);
  }
  const date = parseHttpDate(value);
  const modified = validators.lastModified === null ? null : parseHttpDate(validators.lastModified);
  return date !== null && modified !== null && date === modified;
}

function dateOf(value: string | null): number | null {
  return value === null ? null : parseHttpDate(value);
}
