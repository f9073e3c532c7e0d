// `npm run dev`: the local origins and the edge under Viceroy on 127.0.0.1:7676, in one
// command. Ctrl-C stops everything.

import { join } from "node:path";
import { startLocalEdge } from "./local-edge.js";
import { LocalLogFiles } from "./local-logs.js";
import { devPorts, startLocalOrigins } from "./origins/local-origins.js";
import { projectRoot } from "./origins/r2.js";

const origins = await startLocalOrigins(devPorts);
console.log(`local origins: ${JSON.stringify(origins.ports)}`);
const localLogs = new LocalLogFiles(join(projectRoot, ".local", "logs"));
const edge = await startLocalEdge({
  ports: origins.ports,
  addr: "127.0.0.1:7676",
  manifestPath: join(projectRoot, ".local", "dev", "fastly.toml"),
  echo: true,
  onStdout: (chunk) => localLogs.write(chunk),
  env: { PURGE_TOKEN: process.env.PURGE_TOKEN ?? "local-purge-token" },
});
console.log(`\nchangelog-edge is serving on ${edge.base}  (Ctrl-C stops it)`);
console.log(`log lines as S3 would store them: ${localLogs.root}/<bucket>/\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await edge.stop();
  await origins.stop();
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
edge.process.on("exit", (code) => {
  if (!stopping) {
    console.error(`viceroy exited (${code})`);
    void stop();
  }
});
