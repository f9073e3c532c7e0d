// Finds Viceroy, Fastly's local Compute runtime, and installs the pinned version from crates.io
// when it is missing (`fastly compute serve` would download it from GitHub, which this machine
// cannot reach). Looks in VICEROY_PATH, PATH, ~/.cargo/bin and the project's cache folder.

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

export const viceroyVersion = "0.22.0";
const cacheRoot = join(homedir(), ".cache", "changelog-edge", `viceroy-${viceroyVersion}`);

function versionOf(binary: string): string | null {
  const run = spawnSync(binary, ["--version"], { encoding: "utf8" });
  if (run.status !== 0) return null;
  return /(\d+\.\d+\.\d+)/.exec(run.stdout)?.[1] ?? null;
}

function candidates(): string[] {
  const fromPath = (process.env.PATH ?? "").split(delimiter).filter(Boolean).map((dir) => join(dir, "viceroy"));
  return [
    process.env.VICEROY_PATH,
    join(cacheRoot, "bin", "viceroy"),
    join(homedir(), ".cargo", "bin", "viceroy"),
    ...fromPath,
  ].filter((p): p is string => !!p && existsSync(p));
}

/** The path of a Viceroy binary of the pinned version, installing it when there is none. */
export function ensureViceroy(): string {
  for (const binary of candidates()) {
    if (versionOf(binary) === viceroyVersion) return binary;
  }
  const cargo = existsSync(join(homedir(), ".cargo", "bin", "cargo")) ? join(homedir(), ".cargo", "bin", "cargo") : "cargo";
  mkdirSync(cacheRoot, { recursive: true });
  console.log(
    `Viceroy ${viceroyVersion} not found: installing it from crates.io into ${cacheRoot}.\n` +
      "This is a long Rust build (about 10 minutes on 2 cores, measured 9 min 18 s) and happens once per machine.",
  );
  const started = Date.now();
  execFileSync(cargo, ["install", "viceroy", "--version", viceroyVersion, "--locked", "--root", cacheRoot], {
    stdio: "inherit",
  });
  console.log(`Viceroy installed in ${Math.round((Date.now() - started) / 1000)} s`);
  return join(cacheRoot, "bin", "viceroy");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(ensureViceroy());
}
