// Whether a request carries one of the edge's tokens: the purge token on a PURGE, the shield
// token on a POP's request to the shield (src/config/shielding.ts). The tokens live in a Secret
// Store; an empty or missing token matches nothing, so nobody may purge (or pass for a POP)
// through an edge without one. Compared in constant time so the answer's timing says nothing
// about how much of a guess was right.

export function purgeAuthorized(presented: string | null, token: string | null): boolean {
  return tokenMatches(presented, token);
}

export function tokenMatches(presented: string | null, token: string | null): boolean {
  if (!token || presented === null) return false;
  const a = new TextEncoder().encode(presented);
  const b = new TextEncoder().encode(token);
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
