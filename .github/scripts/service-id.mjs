// Prints the service_id of a Fastly manifest (fastly.toml or fastly.<env>.toml), or fails with
// a clear message when it is empty: CI publishes only to services that already exist, because
// `fastly compute publish --non-interactive` without one would try to create a new service.
//
//   node .github/scripts/service-id.mjs fastly.staging.toml

import { readFileSync } from "node:fs";
import { parse } from "smol-toml";

const file = process.argv[2];
if (!file) {
  console.error("usage: node .github/scripts/service-id.mjs <manifest>");
  process.exit(2);
}
const id = parse(readFileSync(file, "utf8")).service_id;
if (typeof id !== "string" || id.trim() === "") {
  console.error(
    `${file} has no service_id. Create the service once by hand (docs/operations.md, "Creating the services"), ` +
      "then commit the service_id the CLI writes into the manifest.",
  );
  process.exit(1);
}
console.log(id.trim());
