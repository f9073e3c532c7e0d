// The bench's baseline: a bare Compute program that sends every request straight to the assets
// origin and returns its answer as it comes (no cache, no logic), so that `npm run bench` can
// say what the edge costs or saves against doing nothing. `/health` answers 204 like the edge,
// for the harness that waits for it. It writes no log lines; the vCPU it has used when it hands
// the origin's body over is sent back in `X-Bench-Cpu-Ms` (the edge's request-log line takes
// its `cpu_ms` at the same moment for such a body).
/// <reference types="@fastly/js-compute" />
import { CacheOverride } from "fastly:cache-override";
import { vCpuTime } from "fastly:compute";

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
  const response = new Response(upstream.body, upstream);
  response.headers.set("x-bench-cpu-ms", String(vCpuTime()));
  return response;
}
