// A test-side copy of the changelog.com stats importer's rules for episode-download lines
// (Changelog.Stats.Parser in the changelog.com app: lib/changelog/stats/parser.ex), written from
// that code and the spec, so tests can check that every line the edge writes is one the importer
// keeps, with the values the edge meant. Elixir strings are UTF-8 binaries and its regexes (no
// `u` flag) run on bytes, with OTP's Latin-1 character tables (erts/emulator/pcre
// pcre_latin_1_table.c): so this port works on the line's UTF-8 bytes, one JS char per byte, and
// decodes the fields back to text at the end. The steps:
//   1. the object body is split on "\n"; empty lines are skipped;
//   2. an optional syslog prefix (`<134>2016-10-11T13:24:08Z cache-ord1725 S3TheChangelog[1]: `)
//      is stripped (`~r/^\<\d+\>\d{4}-\d{2}-\d{2}\w\d{2}:\d{2}:\d{2}\w .*?:\s/`);
//   3. every `""` next to a word character becomes `"` (`~r/\"\"\b|\b\"\"/`, scanned left to
//      right, first alternative first, matches never overlapping);
//   4. the line is parsed as RFC 4180 CSV (NimbleCSV.RFC4180: `,` separates, `"` quotes, `""` is
//      a quote inside quotes, anything else malformed raises) and the first row is taken;
//   5. fields are read by position: 3 and 4 with String.to_integer, 6 and 7 with String.to_float,
//      the episode is segment 3 of the path; "(null)" or a non-printable agent becomes "Unknown";
//   6. a line that raised anywhere, or has 0 bytes, or status 301, is dropped.

export interface ImportedEntry {
  readonly ip: string;
  readonly episode: string | undefined;
  readonly bytes: number;
  readonly status: number;
  readonly agent: string;
  readonly latitude: number;
  readonly longitude: number;
  readonly cityName: string | undefined;
  readonly continentCode: string | undefined;
  readonly countryCode: string | undefined;
  readonly countryName: string | undefined;
}

export type ImportResult =
  | { readonly kept: true; readonly entry: ImportedEntry; readonly fields: readonly string[] }
  | { readonly kept: false; readonly reason: string };

/** `\w` of Erlang `re` in byte mode: OTP's Latin-1 table, bit 0x10 (alphanumeric or `_`). */
const wordByte = "[0-9A-Za-z_\\xaa\\xb5\\xba\\xc0-\\xd6\\xd8-\\xf6\\xf8-\\xff]";
/** The prefix regex on bytes: `.` is any byte but LF (Erlang's default newline), `\s` is [\t\n\v\f\r ]. */
const prefix = new RegExp(`^<\\d+>\\d{4}-\\d{2}-\\d{2}${wordByte}\\d{2}:\\d{2}:\\d{2}${wordByte} [^\\n]*?:[\\t\\n\\v\\f\\r ]`);
const isWordByte = new RegExp(`^${wordByte}$`);

/** Every line of one S3 object, as the importer sees it (empty lines are not lines). */
export function importObject(body: string): ImportResult[] {
  return body
    .split("\n")
    .filter((line) => line.length > 0)
    .map(importLine);
}

export function importLine(line: string): ImportResult {
  let fields: string[];
  let entry: ImportedEntry;
  try {
    const bytes = Buffer.from(line, "utf8").toString("latin1");
    fields = parseCsvRow(collapseDoubleDoubleQuotes(bytes.replace(prefix, ""))).map(utf8Text);
    entry = {
      ip: at(fields, 0)!,
      episode: required(at(fields, 2), "path").split("/")[3],
      bytes: toInteger(at(fields, 3)),
      status: toInteger(at(fields, 4)),
      agent: agentName(at(fields, 5)),
      latitude: toFloat(at(fields, 6)),
      longitude: toFloat(at(fields, 7)),
      cityName: at(fields, 8) === "(null)" ? "Unknown" : at(fields, 8),
      continentCode: at(fields, 9),
      countryCode: at(fields, 10),
      countryName: at(fields, 11),
    };
  } catch (error) {
    return { kept: false, reason: `parse error: ${(error as Error).message}` };
  }
  if (entry.bytes === 0) return { kept: false, reason: "0 bytes" };
  if (entry.status === 301) return { kept: false, reason: "status 301" };
  return { kept: true, entry, fields };
}

/** `String.replace(line, ~r/\"\"\b|\b\"\"/, "\"")` on bytes, with the Latin-1 `\b`. */
export function collapseDoubleDoubleQuotes(bytes: string): string {
  const word = (i: number) => i >= 0 && i < bytes.length && isWordByte.test(bytes[i]!);
  const boundary = (i: number) => word(i - 1) !== word(i);
  let out = "";
  for (let i = 0; i < bytes.length; ) {
    if (bytes[i] === '"' && bytes[i + 1] === '"' && (boundary(i + 2) || boundary(i))) {
      out += '"';
      i += 2;
    } else {
      out += bytes[i];
      i += 1;
    }
  }
  return out;
}

/**
 * A field's bytes as text. The app would keep a field that is not UTF-8 as raw bytes (and call
 * such an agent Unknown); a line of ours can never hold one (the Logger writes UTF-8 and every
 * separator is ASCII), so this port refuses it instead, and a test that meets one fails.
 */
function utf8Text(bytes: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(bytes, "latin1"));
  } catch {
    throw new Error(`a field that is not UTF-8: ${JSON.stringify(bytes)}`);
  }
}

function at(fields: readonly string[], index: number): string | undefined {
  return fields[index];
}

function required(value: string | undefined, what: string): string {
  if (value === undefined) throw new Error(`no ${what}`);
  return value;
}

/** Erlang's binary_to_integer: optional sign, digits, nothing else. */
function toInteger(value: string | undefined): number {
  if (value === undefined || !/^[+-]?\d+$/.test(value)) throw new Error(`not an integer: ${value}`);
  return Number(value);
}

/** Erlang's binary_to_float: digits, a point, digits, optional exponent ("1" and ".5" fail). */
function toFloat(value: string | undefined): number {
  if (value === undefined || !/^[+-]?\d+\.\d+([eE][+-]?\d+)?$/.test(value)) throw new Error(`not a float: ${value}`);
  return Number(value);
}

function agentName(value: string | undefined): string {
  if (value === undefined) throw new Error("no agent");
  return value === "(null)" || !printable(value) ? "Unknown" : value;
}

/** Elixir's String.printable?/1. */
export function printable(value: string): boolean {
  for (const char of value) {
    const c = char.codePointAt(0)!;
    const ok =
      (c >= 0x20 && c <= 0x7e) ||
      (c >= 0xa0 && c <= 0xd7ff) ||
      (c >= 0xe000 && c <= 0xfffd) ||
      (c >= 0x10000 && c <= 0x10ffff) ||
      [0x0a, 0x0d, 0x09, 0x0b, 0x08, 0x0c, 0x1b, 0x7f, 0x07].includes(c);
    if (!ok) return false;
  }
  return true;
}

/**
 * The first row of an RFC 4180 document, parsed the way NimbleCSV.RFC4180 does: unquoted fields
 * may not contain `"`; a quoted field ends at a `"` followed by `,`, a line end or the end of
 * input; `""` inside quotes is one `"`; any other character after a closing quote is an error,
 * as is a quote that never closes.
 */
export function parseCsvRow(text: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = "";
      i += 1;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote === -1) throw new Error("expected closing quote but reached the end");
        value += text.slice(i, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      fields.push(value);
    } else {
      let end = i;
      while (end < text.length && text[end] !== "," && !lineEndAt(text, end)) {
        if (text[end] === '"') throw new Error(`unexpected quote in unquoted field at ${end}`);
        end += 1;
      }
      fields.push(text.slice(i, end));
      i = end;
    }
    if (i >= text.length || lineEndAt(text, i)) return fields;
    if (text[i] !== ",") throw new Error(`unexpected ${JSON.stringify(text[i])} after a quoted field at ${i}`);
    i += 1;
  }
}

function lineEndAt(text: string, i: number): boolean {
  return text[i] === "\n" || (text[i] === "\r" && text[i + 1] === "\n");
}
