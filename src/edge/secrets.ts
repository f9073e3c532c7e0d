// The edge's secrets (the purge token, the shield token), read from the Secret Store linked to
// the service as `edge_secrets` (fastly.toml [setup.secret_stores]; locally from environment
// variables). A store or entry that cannot be read is no secret: whatever needs it refuses.

import { SecretStore } from "fastly:secret-store";

export const secretStoreName = "edge_secrets";

export async function edgeSecret(key: string): Promise<string | null> {
  try {
    const entry = await new SecretStore(secretStoreName).get(key);
    return entry ? entry.plaintext() : null;
  } catch (error) {
    console.error(`secret store ${secretStoreName} unavailable: ${String(error)}`);
    return null;
  }
}
