// How a stored response answers one request: in full, or, when the client's conditional headers
// say it already has it, a 304 (RFC 9110 §13.2.2, through the same evaluatePreconditions the
// assets path uses) or a 412. Pure: request headers and the stored response in, a decision out.

import { evaluatePreconditions } from "../http/conditional.js";
import { storedHeader, type StoredResponse } from "./stored-response.js";

export type StoredAnswer =
  | { readonly kind: "full" }
  | { readonly kind: "not-modified"; readonly status: 304; readonly headers: readonly (readonly [string, string])[] }
  | { readonly kind: "precondition-failed"; readonly status: 412 };

/**
 * RFC 9110 §15.4.5: a 304 carries the headers a 200 would have among Cache-Control,
 * Content-Location, Date, ETag, Expires and Vary, and Last-Modified as a validator (§13.1.3).
 */
const notModifiedHeaderNames = new Set(["cache-control", "content-location", "date", "etag", "expires", "vary", "last-modified"]);

export function storedAnswer(method: string, request: Headers, stored: StoredResponse): StoredAnswer {
  // §13.2.1: preconditions are ignored when the response without them would not be a 2xx.
  if (stored.status < 200 || stored.status > 299) return { kind: "full" };
  const precondition = evaluatePreconditions(method, request, {
    etag: storedHeader(stored, "etag"),
    lastModified: storedHeader(stored, "last-modified"),
  });
  if (precondition.kind === "not-modified") {
    return {
      kind: "not-modified",
      status: 304,
      headers: stored.headers.filter(([name]) => notModifiedHeaderNames.has(name)),
    };
  }
  if (precondition.kind === "failed") return { kind: "precondition-failed", status: 412 };
  return { kind: "full" };
}
