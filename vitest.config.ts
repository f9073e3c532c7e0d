// Two tiers in one run: unit tests of the pure core in Node (milliseconds), and end-to-end
// tests of the built wasm under Viceroy against real local origins.

import { defineConfig } from "vitest/config";

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
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/e2e/support/global-setup.ts"],
          // After each file: Fastly's per-execution limits on every request it sent.
          setupFiles: ["test/e2e/support/limits.ts"],
          // One edge, one cache: files run one after another so origin request counts are exact.
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
