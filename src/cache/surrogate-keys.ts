// The surrogate key every cached object carries for its public URL, so that purging a URL
// (through PURGE, the purge script or Fastly's API) evicts every object behind it: each query
// variant, each segment of an mp3. Keys are printable ASCII (0x21–0x7E), as Fastly requires.

/** Fastly accepts keys up to 1024 bytes; long URLs are hashed to stay well inside that. */
const maxReadable = 256;

/** The surrogate key of a public URL (host plus path; the query never matters for purging). */
export function urlSurrogateKey(host: string, path: string): string {
  const readable = `${host.toLowerCase()}${path}`;
  if (readable.length <= maxReadable && /^[\x21-\x7e]+$/.test(readable)) return readable;
  return `url-${fnv1a64(readable)}`;
}

/** Splits an origin's Surrogate-Key header (space separated) into valid keys. */
export function originSurrogateKeys(header: string | null): string[] {
  if (!header) return [];
  return header.split(/\s+/).filter((k) => k.length > 0 && k.length <= 1024 && /^[\x21-\x7e]+$/.test(k));
}

/** FNV-1a, 64 bits, as hex: stable across runtimes, no async crypto needed. */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * prime) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, "0");
}
