// The request rules, in the spec's order. Each rule is a function of the request that either
// decides or returns null ("not mine, next"); the last one always routes to an origin.

import type { Decision } from "./decision.js";
import type { EdgeRequest } from "./edge-request.js";
import { health } from "./rules/health.js";
import { originRouting } from "./rules/origin-routing.js";
import { purgeRule } from "./rules/purge.js";

export type Rule = (req: EdgeRequest) => Decision | null;

export const rules: readonly Rule[] = [health, purgeRule];

export function decide(req: EdgeRequest): Decision {
  for (const rule of rules) {
    const decision = rule(req);
    if (decision) return decision;
  }
  return originRouting(req);
}
