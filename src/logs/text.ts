// How free text (user agents, referers, city and country names) is written into log lines so that
// no value can break a line or a field, whatever bytes a client sends. Three tools:
// - `csvText`: the content of a quoted CSV field, as printable ASCII only;
// - `asciiName`: a place name transliterated to ASCII (Woluwé → Woluwe), as Fastly's VCL
//   `client.geo.*` variables gave them and as the importers have always seen them;
// - `headerText`: a header value read back as the UTF-8 text the client meant.

/**
 * The content of a quoted CSV field (without its quotes), as printable ASCII that the stats
 * importer always reads back. The importer splits on commas outside quotes, but first rewrites
 * every `""` next to a word character into `"` (so RFC 4180's `""` escape would break the line),
 * and it splits an object on "\n" before parsing. So a field never contains `"`, a line break or
 * any other control character. The content is the body of a JSON string literal in which `"` is
 * written `\u0022`: backslash escapes `\\`, `\n`, `\r`, `\t`, and `\uXXXX` (UTF-16 code units)
 * for `"`, other controls, DEL and every non-ASCII character. `JSON.parse('"' + field + '"')`
 * gives the original text back, exactly.
 */
export function csvText(value: string): string {
  let out = "";
  let plainFrom = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0x20 && code <= 0x7e && code !== 0x22 && code !== 0x5c) continue;
    out += value.slice(plainFrom, i) + escapeCodeUnit(code);
    plainFrom = i + 1;
  }
  return plainFrom === 0 ? value : out + value.slice(plainFrom);
}

function escapeCodeUnit(code: number): string {
  switch (code) {
    case 0x5c:
      return "\\\\";
    case 0x0a:
      return "\\n";
    case 0x0d:
      return "\\r";
    case 0x09:
      return "\\t";
    default:
      return `\\u${code.toString(16).padStart(4, "0")}`;
  }
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
