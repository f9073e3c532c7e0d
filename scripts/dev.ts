// `npm run dev`: the local origins and the edge under Viceroy on 127.0.0.1:7676, in one
// command. Ctrl-C stops everything.
//
// `npm run dev -- --two-tier`: the same program on two tiers, as Fastly shielding runs it: the
// POP on 7676 (what clients talk to), its shield POP on 7677 behind a counting front on 7705
// (the POP's requests there are recorded as origin "shield" on the control server), the shield
// filling from the origins on 7711–7714 (the same origins, recorded as its tier).

import { join } from "node:path";
import { parseArgs } from "node:util";
import { startLocalEdge, startTwoTierEdge, type LocalEdge } from "./local-edge.js";
import { LocalLogFiles } from "./local-logs.js";
import { devPorts, devShieldTierPorts, startLocalOrigins } from "./origins/local-origins.js";
import { projectRoot } from "./origins/r2.js";

const { values: args } = parseArgs({ options: { "two-tier": { type: "boolean", default: false } } });

const origins = await startLocalOrigins(devPorts);
console.log(`local origins: ${JSON.stringify(origins.ports)}`);
const logRoot = join(projectRoot, ".local", "logs");
const env = { PURGE_TOKEN: process.env.PURGE_TOKEN ?? "local-purge-token" };
const instances: LocalEdge[] = [];
let stopAll: () => Promise<void>;

if (args["two-tier"]) {
  // Each instance writes the lines production's POP would ship to S3 (the shield its own
  // request lines, marked tier shield); one writer each, so no line is cut by another's.
  const logs = { pop: new LocalLogFiles(logRoot), shield: new LocalLogFiles(logRoot), "pop-2": new LocalLogFiles(logRoot) };
  const edge = await startTwoTierEdge({
    origins,
    dir: join(projectRoot, ".local", "dev"),
    popAddr: "127.0.0.1:7676",
    shieldAddr: "127.0.0.1:7677",
    shieldFrontPort: 7705,
    shieldTierPorts: devShieldTierPorts,
    echo: true,
    onStdout: (instance, chunk) => logs[instance].write(chunk),
    env,
  });
  instances.push(edge.pop, edge.shield);
  stopAll = () => edge.stop();
  console.log(`\nchangelog-edge on two tiers (Ctrl-C stops it):`);
  console.log(`  POP     ${edge.pop.base}  (talk to this one; its output is prefixed [pop])`);
  console.log(`  shield  ${edge.shield.base}  (through the counting front on :${edge.shieldFrontPort}; output prefixed [shield])`);
  console.log(`  what the POP asked the shield: http://127.0.0.1:${origins.ports.control}/requests/shield`);
} else {
  const localLogs = new LocalLogFiles(logRoot);
  const edge = await startLocalEdge({
    ports: origins.ports,
    addr: "127.0.0.1:7676",
    manifestPath: join(projectRoot, ".local", "dev", "fastly.toml"),
    echo: true,
    onStdout: (chunk) => localLogs.write(chunk),
    env,
  });
  instances.push(edge);
  stopAll = () => edge.stop();
  console.log(`\nchangelog-edge is serving on ${edge.base}  (Ctrl-C stops it)`);
}
console.log(`log lines as S3 would store them: ${logRoot}/<bucket>/\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await stopAll();
  await origins.stop();
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
for (const instance of instances) {
  instance.process.on("exit", (code) => {
    if (!stopping) {
      console.error(`viceroy exited (${code})`);
      void stop();
    }
  });
}
