// Prints the number of a Fastly service's active version (nothing when none is active), read
// from `fastly service version list --json`, so CI can roll back to it if the new version fails
// its smoke test.
//
//   node .github/scripts/active-version.mjs <service id>      (FASTLY_API_TOKEN in the environment)

import { execFileSync } from "node:child_process";

const serviceId = process.argv[2];
if (!serviceId) {
  console.error("usage: node .github/scripts/active-version.mjs <service id>");
  process.exit(2);
}
const out = execFileSync("npx", ["fastly", "service", "version", "list", "--json", "--service-id", serviceId], {
  encoding: "utf8",
  stdio: ["ignore", "pipe", "inherit"],
});
const versions = JSON.parse(out);
if (!Array.isArray(versions)) throw new Error("fastly service version list --json did not print a list");
// The CLI prints the API client's version objects; accept either spelling of the field names.
const field = (version, name) => version[name] ?? version[name[0].toUpperCase() + name.slice(1)];
const active = versions.find((version) => field(version, "active") === true);
const number = active ? field(active, "number") : undefined;
if (active && !Number.isInteger(number)) throw new Error(`active version without a number: ${JSON.stringify(active)}`);
if (number !== undefined) console.log(number);
