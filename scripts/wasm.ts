// How the service becomes a Compute package's wasm: src/ bundled by esbuild (fastly:* stays
// external, the runtime provides it), then compiled by the js-compute runtime. Shared by
// `npm run build` and the bench, which builds variants of the same bundle.

import { build, type Plugin } from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { projectRoot } from "./origins/r2.js";
import { warmUpFailed } from "../src/warm-up.js";

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

/**
 * Compiles a bundled module to a Compute wasm binary. The runtime runs the program's top level
 * while it compiles (src/warm-up.ts); a warm-up that failed there is a failed build, since Node's
 * unit test of it cannot see what only the runtime refuses during initialisation.
 */
export function compileWasm(input: string, wasm: string): void {
  mkdirSync(dirname(wasm), { recursive: true });
  const run = spawnSync(join(projectRoot, "node_modules", ".bin", "js-compute-runtime"), ["--enable-stack-traces", input, wasm], {
    cwd: projectRoot,
    encoding: "utf8",
  });
  process.stdout.write(run.stdout ?? "");
  process.stderr.write(run.stderr ?? "");
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`js-compute-runtime exited with ${run.status ?? run.signal}`);
  if (`${run.stdout}${run.stderr}`.includes(warmUpFailed)) {
    throw new Error(`${wasm}: the warm-up failed while the runtime initialised the program (its report is above)`);
  }
}
