// How a GET or HEAD for a stored assets object is answered: preconditions first (RFC 9110
// §13.2.2), then If-Range and Range (§13.1.5, §14), giving a status, the headers and the body
// as pieces of the representation. Pure: the shell turns the pieces into cache reads.

import type { StoredObject } from "../cache/asset-object.js";
import { evaluatePreconditions, ifRangeHolds, type Precondition } from "./conditional.js";
import { multipartLayout, type BodyPiece } from "./multipart.js";
import { answerRange, contentRange, rangeLength, unsatisfiedRange } from "./range.js";

export type AssetAnswer =
  | {
      readonly kind: "content";
      readonly status: 200 | 206;
      readonly headers: Record<string, string>;
      /** The body; empty for HEAD, whose Content-Length still names the full body. */
      readonly pieces: readonly BodyPiece[];
      /** Why a Range header was not honoured, for Cache-Status and logs. */
      readonly rangeIgnored?: string;
    }
  | { readonly kind: "not-modified"; readonly status: 304; readonly headers: Record<string, string> }
  | {
      readonly kind: "refused";
      readonly status: 412 | 416;
      readonly headers: Record<string, string>;
      readonly body: string;
    };

/** Headers every answer about the object carries (§8.8, §14.3). */
function validatorHeaders(object: StoredObject): Record<string, string> {
  const headers: Record<string, string> = { "accept-ranges": "bytes" };
  if (object.etag !== null) headers.etag = object.etag;
  if (object.lastModified !== null) headers["last-modified"] = object.lastModified;
  return headers;
}

/**
 * §15.4.5: a 304 carries the fields a 200 would have for cache updates (ETag, Cache-Control,
 * Expires), and no representation body metadata such as Content-Type or Content-Length.
 */
function notModifiedHeaders(object: StoredObject): Record<string, string> {
  const headers = validatorHeaders(object);
  for (const name of ["cache-control", "expires"]) {
    const value = object.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  return headers;
}

export function answerAsset(
  method: "GET" | "HEAD",
  request: Headers,
  object: StoredObject,
  /** A multipart boundary, used only when several ranges are served. */
  boundary: () => string,
): AssetAnswer {
  const validators = { etag: object.etag, lastModified: object.lastModified };
  const precondition: Precondition = evaluatePreconditions(method, request, validators);
  if (precondition.kind === "not-modified") {
    return { kind: "not-modified", status: 304, headers: notModifiedHeaders(object) };
  }
  if (precondition.kind === "failed") {
    return {
      kind: "refused",
      status: 412,
      headers: { ...validatorHeaders(object), "content-type": "text/plain; charset=utf-8" },
      body: `Precondition failed: ${precondition.header} does not hold for the current version.\n`,
    };
  }

  const base = { ...object.headers, ...validatorHeaders(object) };
  const whole = (rangeIgnored?: string): AssetAnswer => ({
    kind: "content",
    status: 200,
    headers: { ...base, "content-length": String(object.size) },
    pieces: method === "HEAD" || object.size === 0 ? [] : [{ kind: "bytes", range: { start: 0, end: object.size - 1 } }],
    ...(rangeIgnored ? { rangeIgnored } : {}),
  });

  // §14.2: Range is defined for GET only; for HEAD it is ignored.
  const range = request.get("range");
  if (method !== "GET" || range === null) return whole();
  if (!ifRangeHolds(request.get("if-range"), validators)) return whole("if-range");

  const answer = answerRange(range, object.size);
  switch (answer.kind) {
    case "full":
      return whole(answer.ignored);
    case "unsatisfiable":
      return {
        kind: "refused",
        status: 416,
        headers: { ...validatorHeaders(object), "content-range": unsatisfiedRange(object.size), "content-type": "text/plain; charset=utf-8" },
        body: `Range not satisfiable: the object is ${object.size} bytes.\n`,
      };
    case "single":
      return {
        kind: "content",
        status: 206,
        headers: {
          ...base,
          "content-range": contentRange(answer.range, object.size),
          "content-length": String(rangeLength(answer.range)),
        },
        pieces: [{ kind: "bytes", range: answer.range }],
      };
    case "multipart": {
      const layout = multipartLayout(answer.ranges, object.size, object.headers["content-type"] ?? null, boundary());
      const headers: Record<string, string> = { ...base, "content-type": layout.contentType, "content-length": String(layout.length) };
      // §14.6: the parts carry the representation's own type; the message is multipart.
      return { kind: "content", status: 206, headers, pieces: layout.pieces };
    }
  }
}
