// Whether a PURGE carries the purge token. The token lives in a Secret Store; an empty or
// missing token means nobody may purge through the edge. Compared in constant time so the
// answer's timing says nothing about how much of a guess was right.

export function purgeAuthorized(presented: string | null, token: string | null): boolean {
  if (!token || presented === null) return false;
  const a = new TextEncoder().encode(presented);
  const b = new TextEncoder().encode(token);
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
