// Builds the service: bundles src/ with esbuild (fastly:* stays external, the runtime provides
// it), then compiles the bundle to bin/main.wasm with the js-compute runtime.
// Run as `npm run build`; `fastly compute build` runs it through fastly.toml [scripts].

import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bundle = join(root, "build", "index.js");
const wasm = join(root, "bin", "main.wasm");

const started = Date.now();
await build({
  entryPoints: [join(root, "src", "index.ts")],
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  external: ["fastly:*"],
  outfile: bundle,
  sourcemap: false,
  logLevel: "warning",
});
mkdirSync(dirname(wasm), { recursive: true });
execFileSync(
  join(root, "node_modules", ".bin", "js-compute-runtime"),
  ["--enable-stack-traces", bundle, wasm],
  { stdio: "inherit", cwd: root },
);
console.log(`built ${wasm} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
