// The connection-specific headers of RFC 9110 §7.6.1: they describe one hop, so the edge
// neither forwards them to an origin nor keeps them with a stored response.

export const hopByHopHeaders: readonly string[] = [
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
];

/**
 * RFC 9110 §7.6.1: the header names a `Connection` header lists, lower-cased. They are as
 * connection-specific as the fixed hop-by-hop set, so they are neither forwarded nor stored.
 */
export function connectionNamedHeaders(connection: string | null): string[] {
  if (connection === null) return [];
  return connection
    .split(",")
    .map((token) => token.trim().toLowerCase())
    .filter((token) => /^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(token));
}

/** Every header of one hop in `headers`: the fixed set and those its Connection header names. */
export function connectionSpecific(headers: Headers): Set<string> {
  return new Set([...hopByHopHeaders, ...connectionNamedHeaders(headers.get("connection"))]);
}

/** A copy of `headers` without its connection-specific ones: what a proxy passes on (§7.6.1). */
export function withoutConnectionSpecific(headers: Headers): Headers {
  const drop = connectionSpecific(headers);
  const kept = new Headers();
  headers.forEach((value, name) => {
    if (!drop.has(name.toLowerCase())) kept.append(name, value);
  });
  return kept;
}

/**
 * Whether the client asked to close its connection after this response (RFC 9112 §9.6:
 * `Connection: close`); the edge then says `Connection: close` too, so the platform ends it.
 */
export function clientAsksToClose(request: Headers): boolean {
  return connectionNamedHeaders(request.get("connection")).includes("close");
}
