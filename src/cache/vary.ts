// RFC 9111 §4.1: a stored response with `Vary` is used only for requests whose listed headers
// match the ones it was stored for. Core Cache does the matching itself (the `vary` names given
// at insert, the request's headers given at lookup); this decides what names to give it.

export type VaryRule =
  /** No Vary: one object for every request of the key. */
  | { readonly kind: "none" }
  /** `Vary: *` (§4.1): no later request can match, so it is never stored. */
  | { readonly kind: "star" }
  /** The lower-cased header names, deduplicated and sorted, that must match. */
  | { readonly kind: "headers"; readonly names: readonly string[] };

/** The Vary rule of a response's headers (all Vary lines together, §5.3). */
export function varyOf(headers: Headers): VaryRule {
  const value = headers.get("vary");
  if (value === null) return { kind: "none" };
  const names = new Set<string>();
  for (const part of value.split(",")) {
    const name = part.trim().toLowerCase();
    if (name === "*") return { kind: "star" };
    if (name !== "") names.add(name);
  }
  return names.size === 0 ? { kind: "none" } : { kind: "headers", names: [...names].sort() };
}
