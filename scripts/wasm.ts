// How the service becomes a Compute package's wasm: src/ bundled by esbuild (fastly:* stays
// external, the runtime provides it), then compiled by the js-compute runtime. Shared by
// `npm run build` and the bench, which builds variants of the same bundle.

import { build, type Plugin } from "esbuild";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { projectRoot } from "./origins/r2.js";

/** Bundles src/index.ts into one ES module at `outfile`. */
export async function bundleEdge(outfile: string, plugins: Plugin[] = []): Promise<void> {
  await build({
    entryPoints: [join(projectRoot, "src", "index.ts")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    external: ["fastly:*"],
    outfile,
    sourcemap: false,
    logLevel: "warning",
    plugins,
  });
}

/** Compiles a bundled module to a Compute wasm binary. */
export function compileWasm(input: string, wasm: string): void {
  mkdirSync(dirname(wasm), { recursive: true });
  execFileSync(join(projectRoot, "node_modules", ".bin", "js-compute-runtime"), ["--enable-stack-traces", input, wasm], {
    stdio: "inherit",
    cwd: projectRoot,
  });
}
