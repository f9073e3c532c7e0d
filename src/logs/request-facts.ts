// Small readings of request headers for the logs.

import { headerText } from "./text.js";

/**
 * Request body bytes (RFC 9112 §6.3): the Content-Length when it is valid; none when the request
 * declares no body at all; unknown (null) for a chunked body, which nobody counted.
 */
export function requestBodyBytes(headers: Headers): number | null {
  const length = headers.get("content-length");
  if (length !== null) return /^\d{1,15}$/.test(length.trim()) ? Number(length.trim()) : null;
  return headers.has("transfer-encoding") ? null : 0;
}

/** A header as text for the logs, or null when absent or empty. */
export function headerValue(headers: Headers, name: string): string | null {
  const value = headers.get(name);
  return value ? headerText(value) : null;
}

/** Responses that carry no body bytes whatever their headers say (RFC 9110 §6.4.1). */
export function hasNoBody(method: string, status: number): boolean {
  return method === "HEAD" || status === 204 || status === 304 || (status >= 100 && status < 200);
}
