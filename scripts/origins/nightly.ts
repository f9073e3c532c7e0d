// The local stand-in for Changelog Nightly: a static site whose /health answers 204.

import type { IncomingMessage, ServerResponse } from "node:http";

export function nightlyHandler(req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(`http://nightly.local${req.url ?? "/"}`).pathname;
  if (path === "/health") return void res.writeHead(204).end();
  if (path === "/" || path === "/index.html") {
    // A static file, with its length, as a static server sends it.
    const body = "<!doctype html><title>Changelog Nightly</title><h1>Nightly</h1>\n";
    res.writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      "content-length": String(Buffer.byteLength(body)),
      "last-modified": "Tue, 24 Nov 2026 10:00:00 GMT",
    });
    return void res.end(req.method === "HEAD" ? undefined : body);
  }
  res.writeHead(404, { "content-type": "text/plain", "content-length": "10" }).end("not found\n");
}
