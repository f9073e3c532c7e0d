// Cheap fast-check arbitraries for what clients send: any UTF-16 text (lone surrogates and
// control characters included), DNS names, URL paths and queries.

import fc from "fast-check";

/** Any string of UTF-16 code units, up to `maxLength`. */
export const anyText = (maxLength = 40) =>
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength }).map((codes) => String.fromCharCode(...codes));

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);

const topLabel = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}[a-z0-9]$/);

/** A DNS name with at least two labels, ending in one that starts with a letter. */
export const anyDomain = fc
  .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), topLabel)
  .map(([labels, top]) => [...labels, top].join("."));

/** A path as URL parsing leaves it: segments of URL code points and percent escapes. */
export const anyPath = fc
  .array(fc.stringMatching(/^(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-F]{2}){0,12}$/), { maxLength: 5 })
  .map((segments) => `/${segments.join("/")}`);

/** "" or a query with its "?". */
export const anyQuery = fc.oneof(
  fc.constant(""),
  fc.stringMatching(/^(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-F]{2}){0,20}$/).map((q) => `?${q}`),
);
