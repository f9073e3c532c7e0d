// No credential lives in the repository. The purge token is read from a Secret Store
// (src/edge/purge.ts) and, locally, from the PURGE_TOKEN environment variable; S3 and Fastly API
// credentials are given to the provisioning script at run time. These tests read every file git
// tracks and fail on anything that looks like a credential, except the few fake values tests and
// local runs use, each listed below with the reason it is harmless.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../../scripts/origins/r2.js";

const tracked = execFileSync("git", ["ls-files", "-z"], { cwd: projectRoot })
  .toString("utf8")
  .split("\0")
  .filter((file) => file !== "");

/** Tracked text files and their contents (binary files are left out). */
const texts: ReadonlyMap<string, string> = new Map(
  tracked.flatMap((file): [string, string][] => {
    const bytes = readFileSync(join(projectRoot, file));
    return bytes.includes(0) ? [] : [[file, bytes.toString("utf8")]];
  }),
);

/** Values that look like credentials but are not, and where they may appear. */
const knownFakes: readonly { value: string; files: readonly string[]; why: string }[] = [
  { value: "local-purge-token", files: ["README.md", "scripts/dev.ts", "docs/caching.md"], why: "npm run dev's token when PURGE_TOKEN is unset; only the local Viceroy reads it" },
  { value: "test-purge-token-3f9a", files: ["test/e2e/support/global-setup.ts"], why: "the end-to-end run's token, given to its own Viceroy" },
  { value: "local-shield-token", files: ["README.md", "scripts/local-edge.ts"], why: "the local instances' shield token when SHIELD_TOKEN is unset; only local Viceroys read it" },
  { value: "test-shield-token-7c21", files: ["test/e2e/support/global-setup.ts"], why: "the end-to-end run's shield token, given to both tiers of its own edge" },
  { value: "AKIAEXAMPLEACCESS", files: ["test/unit/logs/provision-logging.test.ts"], why: "a fake S3 key sent to a fake Fastly API" },
  { value: "s3cr3t/Key+Value", files: ["test/unit/logs/provision-logging.test.ts"], why: "a fake S3 secret sent to a fake Fastly API" },
  { value: "fastly-token-123", files: ["test/unit/logs/provision-logging.test.ts"], why: "a fake Fastly API token" },
];

/** Shapes of real credentials: key blocks and the prefixed token formats of AWS, GitHub, Slack. */
const credentialShapes: readonly [string, RegExp][] = [
  ["a private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ["an AWS access key id", /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/],
  ["a GitHub token", /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b/],
  ["a Slack token", /\bxox[abposr]-[A-Za-z0-9-]{10,}/],
];

/** `token = "…"`, `secretKey: '…'`, `"fastly-key": "…"` and the like, with a literal value. */
const secretAssignment =
  /(?:token|secret|password|passwd|api[_-]?key|access[_-]?key|secret[_-]?key|fastly[_-]?key|credential)s?["']?\s*[:=]\s*["'`]([^"'`\s]{8,})["'`]/gi;

describe("files git tracks", () => {
  it("are read by these tests (the repository is where they think it is)", () => {
    expect(texts.has("src/edge/purge.ts")).toBe(true);
    expect(texts.size).toBeGreaterThan(50);
  });

  it("hold no credential-shaped string", () => {
    const found: string[] = [];
    for (const [file, text] of texts) {
      for (const [what, shape] of credentialShapes) if (shape.test(text)) found.push(`${file}: ${what}`);
    }
    expect(found).toEqual([]);
  });

  it("assign no secret-looking literal but the known fakes, each where it belongs", () => {
    const found: string[] = [];
    for (const [file, text] of texts) {
      for (const match of text.matchAll(secretAssignment)) {
        const value = match[1]!;
        if (value === "<redacted>" || value.startsWith("${")) continue;
        const fake = knownFakes.find((f) => f.value === value);
        if (!fake || !fake.files.includes(file)) found.push(`${file}: ${match[0]}`);
      }
    }
    expect(found).toEqual([]);
  });

  it("hold the local and test tokens only where local runs start them, never in src/", () => {
    // These files name the values to look for them.
    const lookers = ["test/unit/security/tracked-files.test.ts", "test/e2e/security.test.ts"];
    for (const { value, files } of knownFakes.slice(0, 4)) {
      const holders = [...texts].filter(([file, text]) => text.includes(value) && !lookers.includes(file)).map(([file]) => file);
      expect(holders.length, value).toBeGreaterThan(0);
      for (const file of holders) expect(files, `${value} in ${file}`).toContain(file);
    }
  });
});

describe("the service manifests", () => {
  for (const manifest of ["fastly.toml", "fastly.staging.toml"]) {
    it(`${manifest}: secret store entries carry no value; locally the token comes from the environment`, () => {
      const toml = parse(texts.get(manifest)!) as {
        setup?: { secret_stores?: Record<string, { entries?: Record<string, Record<string, unknown>> }> };
        local_server?: { secret_stores?: Record<string, { key: string; env?: string; data?: string; file?: string }[]> };
      };
      const stores = Object.values(toml.setup?.secret_stores ?? {});
      expect(stores.length).toBeGreaterThan(0);
      for (const store of stores) {
        for (const entry of Object.values(store.entries ?? {})) expect(Object.keys(entry)).toEqual(["description"]);
      }
      for (const entries of Object.values(toml.local_server?.secret_stores ?? {})) {
        for (const entry of entries) {
          expect(entry.data, entry.key).toBeUndefined();
          expect(entry.env, entry.key).toMatch(/^[A-Z_]+$/);
        }
      }
    });
  }
});
