// JSON values for log lines. JSON.stringify already escapes quotes, backslashes and control
// characters (RFC 8259 §7) and, since ES2019, lone surrogates; U+2028 and U+2029 are valid in
// JSON but some line-oriented tools treat them as line breaks, so they are escaped too.

export function jsonValue(value: string | number | boolean | null): string {
  const json = JSON.stringify(value);
  return typeof value === "string" ? json.replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`) : json;
}

/** A JSON object on one line, keys in the given order. */
export function jsonLine(fields: Readonly<Record<string, string | number | boolean | null>>): string {
  return `{${Object.entries(fields)
    .map(([key, value]) => `${JSON.stringify(key)}:${jsonValue(value)}`)
    .join(",")}}`;
}
