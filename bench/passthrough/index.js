// The bench's baseline: a bare Compute program that sends every request straight to the assets
// origin and returns its answer as it comes (no cache, no logic), so that `npm run bench` can
// say what the edge costs or saves against doing nothing. `/health` answers 204 like the edge,
// for the harness that waits for it.
/// <reference types="@fastly/js-compute" />
import { CacheOverride } from "fastly:cache-override";

addEventListener("fetch", (event) => event.respondWith(passThrough(event.request)));

async function passThrough(request) {
  const url = new URL(request.url);
  if (url.pathname === "/health") return new Response(null, { status: 204 });
  const headers = new Headers(request.headers);
  headers.delete("host");
  const upstream = await fetch(`https://changelog.place${url.pathname}`, {
    method: request.method,
    headers,
    backend: "assets",
    cacheOverride: new CacheOverride("pass"),
  });
  return new Response(upstream.body, upstream);
}
