// The platform side of shielding (issue 15): which tier this execution is (fastly:shielding), the
// shield backend a POP sends through, and whether a request came from a POP of this service (the
// shield token). The decisions are src/cache/tiers.ts.

import type { Backend } from "fastly:backend";
import { Shield } from "fastly:shielding";
import { shieldFirstByteTimeoutMs, shieldPop, shieldTokenKey, tierHeader } from "../config/shielding.js";
import type { TierRole, UpstreamCacheHeaders } from "../cache/tiers.js";
import { tokenMatches } from "../http/purge-auth.js";
import { edgeSecret } from "./secrets.js";

/** One execution's view of the tiers; filled in as the request is served. */
export class Tiering {
  /** A POP of this service sent this request (it carried the right token). */
  fromPop = false;
  /** A connection to the shield failed: the rest of this execution goes to the origins. */
  shieldDown = false;
  /** The cache headers of the shield's last answer to this execution, for the client's answer. */
  upstream: UpstreamCacheHeaders | null = null;

  private backend: Backend | null = null;
  private token: Promise<string | null> | null = null;

  private constructor(
    readonly role: TierRole,
    private readonly shield: Shield | null,
  ) {}

  /**
   * Where this execution runs. A shield name the platform does not know (a POP renamed, or a
   * local manifest without `[local_server.shielding_sites]`) leaves one tier, said once per
   * execution in the service log: the origins are still reached, only without offload.
   */
  static here(): Tiering {
    let shield: Shield;
    try {
      shield = new Shield(shieldPop);
    } catch (error) {
      console.error(`shield ${shieldPop} unavailable, filling from the origins: ${String(error)}`);
      return new Tiering("single", null);
    }
    return new Tiering(shield.runningOn() ? "shield" : "edge", shield);
  }

  /** The shield token, read once per execution. */
  shieldToken(): Promise<string | null> {
    this.token ??= edgeSecret(shieldTokenKey);
    return this.token;
  }

  /**
   * The backend to the shield POP, made once per execution (Viceroy refuses a second backend of
   * the same shield in one execution, and production needs no more than one).
   */
  shieldBackend(): Backend {
    if (!this.shield) throw new Error("no shield on this tier");
    this.backend ??= this.shield.encryptedBackend({ firstByteTimeout: shieldFirstByteTimeoutMs });
    return this.backend;
  }

  /**
   * Whether the client is a POP of this service: the tier header with the right token. The
   * header is removed from the request either way, so it is neither forwarded nor stored.
   */
  async recognise(headers: Headers): Promise<void> {
    const presented = headers.get(tierHeader);
    if (presented === null) return;
    headers.delete(tierHeader);
    this.fromPop = tokenMatches(presented, await this.shieldToken());
  }
}
