// Entry point: wires the fetch event to the edge. Nothing here decides anything.
/// <reference types="@fastly/js-compute" />

import { handle } from "./edge/handler.js";
import { warmUp } from "./warm-up.js";

// At build time, before the snapshot every execution starts from (src/warm-up.ts).
warmUp();

addEventListener("fetch", (event) => event.respondWith(handle(event)));
