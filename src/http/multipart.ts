// multipart/byteranges (RFC 9110 §14.6): the layout of a 206 that carries several ranges, as a
// list of literal text pieces and byte ranges of the representation, so that the body can be
// streamed piece by piece and its Content-Length known before the first byte.

import { contentRange, rangeLength, type ByteRange } from "./range.js";

export type BodyPiece =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "bytes"; readonly range: ByteRange };

export interface MultipartLayout {
  /** The response's Content-Type: `multipart/byteranges; boundary=…`. */
  readonly contentType: string;
  readonly pieces: readonly BodyPiece[];
  /** Exact body length in bytes: text pieces count one byte per character (see `textBytes`). */
  readonly length: number;
}

/**
 * Boundary characters from RFC 2046 §5.1.1's bchars that need no quoting in a parameter; 1 to 70
 * of them. The caller supplies randomness so that the layout stays a pure function.
 */
export function boundaryFrom(random: Uint8Array): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  let boundary = "changelog-edge-";
  for (const byte of random.subarray(0, 24)) boundary += alphabet[byte % alphabet.length];
  return boundary;
}

/**
 * `--B CRLF headers CRLF CRLF bytes` for each part, each later delimiter preceded by CRLF, and the
 * closing `CRLF --B-- CRLF` (RFC 2046 §5.1.1). Every part names the representation's type and its
 * Content-Range (RFC 9110 §14.6).
 */
export function multipartLayout(
  ranges: readonly ByteRange[],
  size: number,
  partType: string | null,
  boundary: string,
): MultipartLayout {
  const pieces: BodyPiece[] = [];
  let length = 0;
  const text = (value: string) => {
    pieces.push({ kind: "text", text: value });
    length += value.length;
  };
  ranges.forEach((range, i) => {
    const typeLine = partType ? `Content-Type: ${partType}\r\n` : "";
    text(`${i === 0 ? "" : "\r\n"}--${boundary}\r\n${typeLine}Content-Range: ${contentRange(range, size)}\r\n\r\n`);
    pieces.push({ kind: "bytes", range });
    length += rangeLength(range);
  });
  text(`\r\n--${boundary}--\r\n`);
  return { contentType: `multipart/byteranges; boundary=${boundary}`, pieces, length };
}

/**
 * The bytes of a text piece. Header values are byte strings (each character one octet, RFC 9110
 * §5.5), so they are written as Latin-1, never re-encoded as UTF-8, keeping lengths exact.
 */
export function textBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}
