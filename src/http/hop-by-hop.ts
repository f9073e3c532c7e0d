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
