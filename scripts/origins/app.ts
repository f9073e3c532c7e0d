// The local stand-in for the Phoenix app on Fly: a few pages, /health, a page that sets a
// cookie, paths that are slow or fail, an echo of what the edge sent, a page sent in chunks, and
// a WebSocket endpoint like Phoenix LiveView's, and /respond, whose answer the query shapes.

import { createHash } from "node:crypto";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

const page = (title: string) =>
  `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>\n`;

/**
 * Writes a whole answer with its Content-Length, as Phoenix does for rendered pages; HEAD gets
 * the length without the body.
 */
function answer(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, { ...headers, "content-length": String(Buffer.byteLength(body)) });
  res.end(req.method === "HEAD" ? undefined : body);
}

/** An answer without Content-Length, so Node sends it chunked: `count` parts, `gapMs` apart. */
function chunkedAnswer(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  count: number,
  gapMs: number,
  text: string,
): void {
  res.writeHead(status, headers);
  if (req.method === "HEAD") return void res.end();
  let part = 0;
  const next = (): void => {
    if (res.destroyed) return;
    part += 1;
    res.write(`part ${part}/${count} ${text}`);
    if (part === count) return void res.end();
    setTimeout(next, gapMs);
  };
  next();
}

/** How many times /cacheable served each exact URL (path and query). */
const served = new Map<string, number>();

export function appHandler(req: IncomingMessage, res: ServerResponse): void {
  // Appended, not resolved: a target such as "//x" is a path, as a real server reads it.
  const url = new URL(`http://app.local${req.url ?? "/"}`);
  const html = { "content-type": "text/html; charset=utf-8" };
  switch (url.pathname) {
    case "/":
      return answer(req, res, 200, { ...html, "cache-control": "max-age=0, private, must-revalidate" }, page("Changelog"));
    case "/health":
      return void res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    case "/echo": {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      return void res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers }));
    }
    case "/set-cookie":
      res.writeHead(200, { ...html, "set-cookie": "_changelog_user=abc; Path=/; HttpOnly" });
      return void res.end(page("Signed in"));
    case "/slow": {
      const ms = Number(url.searchParams.get("ms") ?? "1000");
      setTimeout(() => answer(req, res, 200, html, page(`Slow ${ms}`)), ms);
      return;
    }
    case "/fail":
      return void res.writeHead(500, { "content-type": "text/plain" }).end("app failed on purpose\n");
    case "/cacheable": {
      // A cacheable page whose body says how often the origin served this exact URL, with
      // Surrogate-Control / Surrogate-Key taken from the query (sc=, sk=) and a stable ETag
      // so revalidations can be answered 304.
      const count = (served.get(req.url ?? "") ?? 0) + 1;
      served.set(req.url ?? "", count);
      const headers: Record<string, string> = { ...html, etag: '"stable"', "cache-control": "public, max-age=30" };
      const sc = url.searchParams.get("sc");
      const sk = url.searchParams.get("sk");
      if (sc) headers["surrogate-control"] = sc;
      if (sk) headers["surrogate-key"] = sk;
      if (req.headers["if-none-match"] === '"stable"' && url.searchParams.get("revalidate") !== "full") {
        return void res.writeHead(304, headers).end();
      }
      return answer(req, res, 200, headers, `served ${count}\n`);
    }
    case "/respond": {
      // An answer shaped by the query, for the HTTP caching tests: `status=` (default 200),
      // `h=name:value` headers (repeatable), and `h304=name:value` headers sent instead, with
      // the ETag, when the request's If-None-Match equals the `h=etag:` value. The body says how
      // often this exact URL was served and the request's Foo header (for Vary tests); with
      // `chunks=N` it is sent chunked, with `ms=N` after a delay (below).
      const count = (served.get(req.url ?? "") ?? 0) + 1;
      served.set(req.url ?? "", count);
      const pairs = (name: string) =>
        url.searchParams.getAll(name).map((pair) => {
          const at = pair.indexOf(":");
          return [pair.slice(0, at).trim().toLowerCase(), pair.slice(at + 1).trim()] as const;
        });
      const headers: Record<string, string> = { "content-type": "text/plain; charset=utf-8" };
      for (const [name, value] of pairs("h")) headers[name] = value;
      const etag = headers.etag;
      if (etag !== undefined && req.headers["if-none-match"] === etag) {
        const notModified: Record<string, string> = { etag };
        for (const [name, value] of pairs("h304")) notModified[name] = value;
        return void res.writeHead(304, notModified).end();
      }
      const status = Number(url.searchParams.get("status") ?? "200");
      if (status === 204 || status === 304) return void res.writeHead(status, headers).end();
      const text = `served ${count} foo=${String(req.headers.foo ?? "")}\n`;
      // `chunks=N`: the body sent chunked, without a length, as N lines "part i/N <text>",
      // `gap=` ms apart (a front fault such as reset-after cuts it mid-way).
      const chunks = Math.min(Number(url.searchParams.get("chunks") ?? "0"), 64);
      if (chunks > 0) return chunkedAnswer(req, res, status, headers, chunks, Number(url.searchParams.get("gap") ?? "0"), text);
      // `ms=`: the answer comes that long after the request (concurrency tests).
      const delayMs = Math.min(Number(url.searchParams.get("ms") ?? "0"), 10_000);
      if (delayMs > 0) return void setTimeout(() => answer(req, res, status, headers, text), delayMs);
      return answer(req, res, status, headers, text);
    }
    case "/surrogate":
      return answer(
        req,
        res,
        200,
        { ...html, "surrogate-key": "page-surrogate episode-42", "surrogate-control": "max-age=300", "cache-control": "public, max-age=60" },
        page("Surrogate"),
      );
    case "/chunked":
      // A cacheable page sent in chunks, without a length: stored only once it ended with its last chunk.
      res.writeHead(200, { ...html, "cache-control": "public, max-age=60" });
      res.write("<!doctype html><title>Chunked</title>\n");
      return void res.end("<h1>Chunked</h1>\n");
    default:
      if (url.pathname.startsWith("/podcast") || url.pathname.startsWith("/news")) {
        return answer(req, res, 200, html, page(url.pathname));
      }
      answer(req, res, 404, html, page("Not Found"));
  }
}

/**
 * RFC 6455 §4.2.2 handshake, then echoes text frames (enough to prove the upgrade reached us).
 * The text "!handshake" is answered with the handshake request the app received, as JSON, so
 * tests can see what the edge handed through.
 */
export function acceptWebSockets(server: Server): void {
  server.on("upgrade", (req: IncomingMessage, socket: Duplex) => {
    const key = req.headers["sec-websocket-key"];
    if (req.headers.upgrade?.toLowerCase() !== "websocket" || typeof key !== "string") {
      return void socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
    }
    const accept = createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
    socket.write(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Accept: ${accept}\r\nX-Origin: app\r\n\r\n`,
    );
    socket.on("data", (frame: Buffer) => {
      const text = unmaskedText(frame);
      if (text === "!handshake") socket.write(textFrame(JSON.stringify({ url: req.url, headers: req.headers })));
      else if (text !== null) socket.write(textFrame(`echo: ${text}`));
    });
    socket.on("error", () => socket.destroy());
  });
}

function unmaskedText(frame: Buffer): string | null {
  if (frame.length < 6 || (frame[0]! & 0x0f) !== 1) return null;
  const len = frame[1]! & 0x7f;
  if (len > 125) return null;
  const mask = frame.subarray(2, 6);
  const payload = frame.subarray(6, 6 + len);
  return Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!)).toString("utf8");
}

/** RFC 6455 §5.2: payloads over 125 bytes carry a 16-bit length (enough for these replies). */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text, "utf8");
  const header =
    payload.length <= 125
      ? Buffer.from([0x81, payload.length])
      : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
}
