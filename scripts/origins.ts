// `npm run origins`: the local origins alone, on the dev ports, until Ctrl-C.

import { startLocalOrigins } from "./origins/local-origins.js";

const origins = await startLocalOrigins();
console.log("local origins:", JSON.stringify(origins.ports));
const stop = async () => {
  await origins.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
