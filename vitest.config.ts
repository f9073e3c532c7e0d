// Two kinds of tests in one run: unit tests of the pure core in Node (milliseconds), and
// end-to-end tests of the built wasm under Viceroy against real local origins, on one tier (the
// instance is its own shield) and, for the cache and mp3 files, on two (a POP in front of a
// shield instance, as Fastly shielding runs the service; issue 15).

import { defineConfig } from "vitest/config";

/** What both end-to-end projects share. */
const e2e = {
  environment: "node" as const,
  // After each file: Fastly's per-execution limits on every request it sent.
  setupFiles: ["test/e2e/support/limits.ts"],
  // One edge, one cache: files run one after another so origin request counts are exact.
  pool: "forks" as const,
  poolOptions: { forks: { singleFork: true } },
  testTimeout: 60_000,
  hookTimeout: 120_000,
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          ...e2e,
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/e2e/support/global-setup.ts"],
        },
      },
      {
        test: {
          ...e2e,
          // The same files against the POP of a two-tier edge (test/e2e/support/global-setup-shielded.ts):
          // what caches and serves mp3s, whose answers and origin requests the shield changes, and
          // the two-tier cases themselves. Rules, logs and faults are the POP's alone and run once.
          name: "e2e-shielded",
          include: ["test/e2e/cache*.test.ts", "test/e2e/mp3-*.test.ts", "test/e2e/shield.test.ts"],
          globalSetup: ["test/e2e/support/global-setup-shielded.ts"],
        },
      },
    ],
  },
});
