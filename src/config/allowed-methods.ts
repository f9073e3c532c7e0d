// The methods each site accepts; anything else is refused by the edge (rule 6). Sites missing
// here (the app) accept every method and leave refusals to the app itself.

import type { Site } from "./hosts.js";

export const allowedMethods: Readonly<Partial<Record<Site, readonly string[]>>> = {
  assets: ["GET", "HEAD", "OPTIONS", "PURGE"],
  nightly: ["GET", "HEAD", "PURGE"],
};
