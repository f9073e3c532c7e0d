// Entry point: wires the fetch event to the edge. Nothing here decides anything.
/// <reference types="@fastly/js-compute" />

import { handle } from "./edge/handler.js";

addEventListener("fetch", (event) => event.respondWith(handle(event)));
