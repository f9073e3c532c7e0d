// Rule 1: `/health` is answered by the edge itself; `/<origin>_health` probes that origin's
// `/health` uncached, so one probe checks the edge and the origin together.

import { originNames, type OriginName } from "../config/origins.js";
import { synthetic, type Decision } from "../decision.js";
import type { EdgeRequest } from "../edge-request.js";

const probes: ReadonlyMap<string, OriginName> = new Map(
  originNames.map((name) => [`/${name}_health`, name]),
);

export function health(req: EdgeRequest): Decision | null {
  if (req.method !== "GET" && req.method !== "HEAD") return null;
  if (req.path === "/health") {
    return synthetic(204, "health", { "cache-control": "no-store" });
  }
  const origin = probes.get(req.path);
  if (origin) {
    return { kind: "origin", origin, originPath: "/health", cache: null, passReason: "health" };
  }
  return null;
}
