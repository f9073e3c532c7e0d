// How free text (user agents, referers, city and country names) is written into log lines so that
// no value can break a line or a field, whatever bytes a client sends. The tools:
// - `csvQuoted`: a quoted CSV field that the stats importer reads back as the text itself;
// - `cutText`: a value capped at a number of bytes as written, marked when cut;
// - `asciiName`: a place name transliterated to ASCII (Woluwé → Woluwe), as Fastly's VCL
//   `client.geo.*` variables gave them and as the importers have always seen them;
// - `headerText`: a header value read back as the UTF-8 text the client meant.

import { cutMark } from "../config/log-caps.js";

/**
 * A quoted CSV field (quotes included) that the stats importer reads back as exactly `value`,
 * with line breaks and other control characters replaced by a space and lone surrogates by
 * U+FFFD (the only changes: tabs, backslashes, quotes, UTF-8 and emoji are kept).
 *
 * The importer (Changelog.Stats.Parser) first rewrites every `""` next to a word character into
 * `"` (Elixir `~r/""\b|\b""/`, no `u` flag: Erlang `re` in byte mode with OTP's Latin-1
 * character tables, so a word character is a byte of [0-9A-Za-z_], 0xAA, 0xB5, 0xBA, 0xC0–0xD6,
 * 0xD8–0xF6 or 0xF8–0xFF), then parses RFC 4180 CSV, where `""` inside quotes is one quote. So the
 * field is RFC 4180's (content quotes doubled) with each run of quotes lengthened by what the
 * rewrite will take from it: in a run of n quotes, one pair collapses when the byte before the
 * run is a word character and one when the byte after it is (see `quoteRunWritten`).
 */
export function csvQuoted(value: string): string {
  const text = csvSafe(value);
  if (!text.includes('"')) return `"${text}"`;
  const field = `"${text.replaceAll('"', '""')}"`;
  let out = "";
  for (let i = 0; i < field.length; ) {
    if (field[i] !== '"') {
      const next = field.indexOf('"', i);
      out += field.slice(i, next);
      i = next;
      continue;
    }
    let end = i;
    while (field[end] === '"') end += 1;
    // The field's own quotes touch a comma or the line's end: never word characters.
    const wordBefore = i > 0 && importerWordByte(lastUtf8Byte(field, i));
    const wordAfter = end < field.length && importerWordByte(firstUtf8Byte(field, end));
    out += '"'.repeat(quoteRunWritten(end - i, wordBefore, wordAfter));
    i = end;
  }
  return out;
}

/**
 * How many quotes to write for a run that must read as `wanted` quotes after the importer's
 * rewrite. The regex scans left to right: `\b""` can match only at the run's start (after a word
 * byte), `""\b` only at its end (before one), and the two never overlap once the run is long
 * enough, so each word neighbour costs one extra quote; a single quote is never rewritten.
 */
export function quoteRunWritten(wanted: number, wordBefore: boolean, wordAfter: boolean): number {
  if (wanted === 1) return 1;
  return wanted + (wordBefore ? 1 : 0) + (wordAfter ? 1 : 0);
}

/** A word character for the importer's regex: OTP's Latin-1 table (pcre_latin_1_table.c, bit 0x10). */
function importerWordByte(b: number): boolean {
  return (
    (b >= 0x30 && b <= 0x39) ||
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x61 && b <= 0x7a) ||
    b === 0x5f ||
    b === 0xaa ||
    b === 0xb5 ||
    b === 0xba ||
    (b >= 0xc0 && b <= 0xd6) ||
    (b >= 0xd8 && b <= 0xf6) ||
    b >= 0xf8
  );
}

/** The last UTF-8 byte of the character that ends just before `index`. */
function lastUtf8Byte(text: string, index: number): number {
  const low = text.charCodeAt(index - 1);
  const code = low >= 0xdc00 && low <= 0xdfff && index >= 2 ? text.codePointAt(index - 2)! : low;
  return code < 0x80 ? code : 0x80 | (code & 0x3f);
}

/** The first UTF-8 byte of the character that starts at `index`. */
function firstUtf8Byte(text: string, index: number): number {
  const code = text.codePointAt(index)!;
  if (code < 0x80) return code;
  if (code < 0x800) return 0xc0 | (code >> 6);
  if (code < 0x10000) return 0xe0 | (code >> 12);
  return 0xf0 | (code >> 18);
}

const controls = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;
const loneSurrogates = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Text a quoted CSV field can carry: the importer splits objects on line feeds and drops a line
 * whose agent is not `String.printable?`, so control characters (C0 but tab, DEL, C1) become a
 * space; a lone surrogate has no UTF-8 form and becomes U+FFFD, as any UTF-8 encoder writes it.
 */
function csvSafe(value: string): string {
  return value.replace(controls, " ").replace(loneSurrogates, "\ufffd");
}

/**
 * The most bytes any of the logs' cost functions gives one code point: four UTF-8 bytes, each
 * percent-encoded (`csvToken`). A UTF-16 code unit therefore never costs more, since a code
 * point takes one or two of them.
 */
export const maxCodePointCost = 12;

/**
 * `value` if it takes at most `maxBytes` as written, else its longest prefix of whole characters
 * that fits with `cutMark` after it. `cost` is what one code point takes as written (escaping
 * included, at most `maxCodePointCost`), so the cap holds for the escaped form, whatever the
 * client sent. Run for every text value of every log line, so it is written for the interpreter
 * the edge runs in (no JIT: a `for…of` over a user agent cost 0.2 ms): a value too short to
 * reach its cap is not scanned, and the scan is one indexed pass.
 */
export function cutText(value: string, maxBytes: number, cost: (codePoint: number) => number): string {
  if (value.length * maxCodePointCost <= maxBytes) return value;
  const budget = maxBytes - cost(cutMark.codePointAt(0)!);
  let total = 0;
  // Code units of the longest prefix that leaves room for the cut mark.
  let end = 0;
  for (let at = 0; at < value.length; ) {
    const code = value.codePointAt(at)!;
    total += cost(code);
    if (total > maxBytes) return value.slice(0, end) + cutMark;
    at += code > 0xffff ? 2 : 1;
    if (total <= budget) end = at;
  }
  return value;
}

/** Bytes of a code point in UTF-8 (a lone surrogate is written as U+FFFD: 3). */
export function utf8Length(code: number): number {
  return code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
}

/**
 * Unquoted CSV fields (client address, path, geo codes) keep printable ASCII except the comma
 * and the double quote; anything else is percent-encoded as UTF-8 (RFC 3986 §2.1). Paths arrive
 * already percent-encoded by the URL parser, so this only ever touches a comma in a path.
 */
export function csvToken(value: string): string {
  if (/^[\x21\x23-\x2b\x2d-\x7e]*$/.test(value)) return value;
  let out = "";
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (code > 0x20 && code < 0x7f && char !== "," && char !== '"') out += char;
    else for (const byte of utf8(char)) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function utf8(char: string): number[] {
  const code = char.codePointAt(0)!;
  // A lone surrogate has no UTF-8 form; U+FFFD is what an encoder writes for it.
  if (code >= 0xd800 && code <= 0xdfff) return [0xef, 0xbf, 0xbd];
  if (code < 0x80) return [code];
  if (code < 0x800) return [0xc0 | (code >> 6), 0x80 | (code & 0x3f)];
  if (code < 0x10000) return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)];
  return [0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)];
}

// Latin letters with diacritics (Latin-1 Supplement, Latin Extended-A/B) and their ASCII
// spelling: each entry is the letter followed by its transliteration. Built from Unicode's
// canonical decompositions plus the letters that have none (ß, Ø, Ł, Æ, Œ, Þ…).
const latinTable =
  "ÀA ÁA ÂA ÃA ÄA ÅA ÆAE ÇC ÈE ÉE ÊE ËE ÌI ÍI ÎI ÏI ÐD ÑN ÒO ÓO ÔO ÕO ÖO ØO ÙU ÚU ÛU ÜU ÝY " +
  "ÞTH ßss àa áa âa ãa äa åa æae çc èe ée êe ëe ìi íi îi ïi ðd ñn òo óo ôo õo öo øo ùu úu ûu " +
  "üu ýy þth ÿy ĀA āa ĂA ăa ĄA ąa ĆC ćc ĈC ĉc ĊC ċc ČC čc ĎD ďd ĐD đd ĒE ēe ĔE ĕe ĖE ėe ĘE ęe " +
  "ĚE ěe ĜG ĝg ĞG ğg ĠG ġg ĢG ģg ĤH ĥh ĦH ħh ĨI ĩi ĪI īi ĬI ĭi ĮI įi İI ıi ĲIJ ĳij ĴJ ĵj ĶK " +
  "ķk ĸk ĹL ĺl ĻL ļl ĽL ľl ĿL ŀl ŁL łl ŃN ńn ŅN ņn ŇN ňn ŉn ŊN ŋn ŌO ōo ŎO ŏo ŐO őo ŒOE œoe " +
  "ŔR ŕr ŖR ŗr ŘR řr ŚS śs ŜS ŝs ŞS şs ŠS šs ŢT ţt ŤT ťt ŦT ŧt ŨU ũu ŪU ūu ŬU ŭu ŮU ůu ŰU űu " +
  "ŲU ųu ŴW ŵw ŶY ŷy ŸY ŹZ źz ŻZ żz ŽZ žz ſs ƏE ƒf ƠO ơo ƯU ưu ǍA ǎa ǏI ǐi ǑO ǒo ǓU ǔu ǕU ǖu " +
  "ǗU ǘu ǙU ǚu ǛU ǜu ǞA ǟa ǠA ǡa ǦG ǧg ǨK ǩk ǪO ǫo ǬO ǭo ǰj ǴG ǵg ǸN ǹn ǺA ǻa ȀA ȁa ȂA ȃa ȄE " +
  "ȅe ȆE ȇe ȈI ȉi ȊI ȋi ȌO ȍo ȎO ȏo ȐR ȑr ȒR ȓr ȔU ȕu ȖU ȗu ȘS șs ȚT țt ȞH ȟh ȦA ȧa ȨE ȩe ȪO " +
  "ȫo ȬO ȭo ȮO ȯo ȰO ȱo ȲY ȳy";

const latinToAscii: ReadonlyMap<string, string> = new Map(
  latinTable.split(" ").map((entry) => [entry[0]!, entry.slice(1)]),
);

/**
 * A place name in ASCII: Latin letters lose their diacritics (Woluwé-Saint-Pierre →
 * Woluwe-Saint-Pierre, Kraków → Krakow, Zürich → Zurich). Characters outside the Latin table are
 * kept as they are; the line writers escape them.
 */
export function asciiName(name: string): string {
  if (/^[\x00-\x7f]*$/.test(name)) return name;
  let out = "";
  for (const char of name) out += latinToAscii.get(char) ?? char;
  return out;
}

/**
 * A header value as text. Header values reach the program as byte strings (one character per
 * byte, RFC 9110 §5.5), so a user agent a client sent in UTF-8 arrives as mojibake ("PÃ¶d");
 * when the bytes are valid UTF-8 they are decoded ("Pöd"), otherwise left as they are.
 */
export function headerText(value: string): string {
  if (/^[\x00-\x7f]*$/.test(value) || /[^\x00-\xff]/.test(value)) return value;
  return decodeUtf8(value) ?? value;
}

/** Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past U+10FFFF. */
function decodeUtf8(bytes: string): string | null {
  let out = "";
  for (let i = 0; i < bytes.length; ) {
    const b0 = bytes.charCodeAt(i);
    if (b0 < 0x80) {
      out += bytes[i];
      i += 1;
      continue;
    }
    const length = b0 >= 0xc2 && b0 <= 0xdf ? 2 : b0 >= 0xe0 && b0 <= 0xef ? 3 : b0 >= 0xf0 && b0 <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return null;
    let code = b0 & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const b = bytes.charCodeAt(i + k);
      if ((b & 0xc0) !== 0x80) return null;
      code = (code << 6) | (b & 0x3f);
    }
    const smallest = length === 2 ? 0x80 : length === 3 ? 0x800 : 0x10000;
    if (code < smallest || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return null;
    out += String.fromCodePoint(code);
    i += length;
  }
  return out;
}
