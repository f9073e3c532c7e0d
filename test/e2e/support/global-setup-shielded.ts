// The "e2e-shielded" project's edge: two tiers (a POP in front of a shield instance, and a second
// POP sharing that shield), provided to the tests as `edge` with `tiers: 2` (./global-setup.ts).

import type { TestProject } from "vitest/node";
import { startEdgeForTests } from "./global-setup.js";

export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return startEdgeForTests(project, 2);
}
