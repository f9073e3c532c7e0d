// JSON values for log lines. JSON.stringify already escapes quotes, backslashes and control
// characters (RFC 8259 §7) and, since ES2019, lone surrogates; U+2028 and U+2029 are valid in
// JSON but some line-oriented tools treat them as line breaks, so they are escaped too.

import { logValueCaps } from "../config/log-caps.js";
import { cutText, utf8Length } from "./text.js";

export type JsonScalar = string | number | boolean | null;

export function jsonValue(value: JsonScalar): string {
  const json = JSON.stringify(value);
  return typeof value === "string" ? json.replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`) : json;
}

/** A JSON object on one line, keys in the given order; every string is capped (`jsonCapped`). */
export function jsonLine(fields: Readonly<Record<string, JsonScalar>>, caps: Readonly<Record<string, number>> = {}): string {
  return `{${Object.entries(fields)
    .map(([key, value]) => `${JSON.stringify(key)}:${jsonValue(jsonCapped(value, caps[key]))}`)
    .join(",")}}`;
}

/**
 * A string value cut so that its JSON form (quotes aside) takes at most `cap` bytes, else the
 * value itself: a line then has a known maximum size whatever a client sends.
 */
export function jsonCapped(value: JsonScalar, cap: number = logValueCaps.other): JsonScalar {
  return typeof value === "string" ? cutText(value, cap, jsonCost) : value;
}

/** Bytes one code point takes inside a JSON string as `jsonValue` writes it. */
export function jsonCost(code: number): number {
  if (code === 0x22 || code === 0x5c || code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d) return 2;
  if (code < 0x20 || code === 0x2028 || code === 0x2029 || (code >= 0xd800 && code <= 0xdfff)) return 6;
  return utf8Length(code);
}
