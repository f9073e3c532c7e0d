// Builds the service: src/ bundled and compiled to bin/main.wasm (scripts/wasm.ts).
// Run as `npm run build`; `fastly compute build` runs it through fastly.toml [scripts].

import { join } from "node:path";
import { projectRoot } from "./origins/r2.js";
import { bundleEdge, compileWasm } from "./wasm.js";

const bundle = join(projectRoot, "build", "index.js");
const wasm = join(projectRoot, "bin", "main.wasm");

const started = Date.now();
await bundleEdge(bundle);
compileWasm(bundle, wasm);
console.log(`built ${wasm} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
