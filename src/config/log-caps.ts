// How long a value may be in a log line, in bytes as written (after escaping), and the longest
// line the edge ever writes. A client controls the URL (up to 8 KB), the user agent and the
// referer (tens of KB), so without caps a line could be larger than a logging endpoint or an
// importer wants to read; with them every line has a stated maximum (docs/logs.md, "Sizes").

/** Bytes a value may take in a line, escaping included; a longer one is cut and marked. */
export const logValueCaps = {
  /** Path and query. */
  url: 2048,
  userAgent: 2048,
  referer: 2048,
  /** Every other text value: host, method, content type, geo names and codes, ids. */
  other: 256,
} as const;

/** Appended to a value that was cut, so a reader knows the value is not whole. */
export const cutMark = "…";

/** No line the edge writes is longer than this, in UTF-8 bytes (checked by unit tests). */
export const maxLogLineBytes = 16 * 1024;
