// The counting front between a POP instance and the shield instance of a two-tier local run.
// To the POP's program the shield is a backend: each request it sends there is one of its
// execution's 32 (src/config/limits.ts), like a request to an origin. Viceroy records none of
// them, so the POP's shielding site points here (scripts/local-edge.ts `startTwoTierEdge`) and
// this forwards every request to the shield instance, recorded under the origin name "shield"
// by an ordinary OriginFront: the same `/requests/shield` recorder, the same ledger by request id
// (`GET /budget`), the same faults (a test can take the shield down or make it hang).
//
// Bodies are streamed both ways with backpressure (pipe), never buffered: an mp3 of 300 MB
// passes through, and a POP that stops reading must slow the shield down, not fill this memory.

import { Agent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { LocalOrigins } from "./local-origins.js";
import { OriginFront, type Handler } from "./front.js";

/** The origin name the POP's requests to the shield are recorded under. */
export const shieldOrigin = "shield";

/** Connection-level headers (RFC 9110 §7.6.1): each hop has its own, so none is forwarded. */
const hopByHop = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"]);

/** Request headers to forward: all but hop-by-hop ones and those the Connection header names. */
export function forwardedHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const named = new Set(
    String(headers.connection ?? "")
      .split(",")
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || hopByHop.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** Response headers as a flat [name, value, …] list, repeated lines kept, hop-by-hop ones left out. */
export function forwardedRawHeaders(raw: readonly string[]): string[] {
  const named = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === "connection") for (const t of raw[i + 1]!.split(",")) named.add(t.trim().toLowerCase());
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (hopByHop.has(name) || named.has(name)) continue;
    out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

/**
 * Forwards each request to `target` (host and port of the shield instance) as it came: method,
 * path, headers (the client's Host, the POP's x-request-id and shield token), body streamed;
 * and the answer back the same way. A POP that goes away mid-answer cuts the shield's request
 * too, as a POP's cancelled backend request would.
 */
export function shieldProxy(target: { host: string; port: number }): Handler {
  const agent = new Agent({ keepAlive: true });
  return (req: IncomingMessage, res: ServerResponse) =>
    new Promise<void>((resolve) => {
      const upstream = httpRequest({
        host: target.host,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: forwardedHeaders(req.headers),
        agent,
      });
      const fail = (error: Error) => {
        if (!res.headersSent) {
          res.writeHead(502, { "content-type": "text/plain" }).end(`shield front: the shield instance did not answer: ${error.message}\n`);
        } else {
          res.destroy(error);
        }
        resolve();
      };
      upstream.on("error", fail);
      upstream.on("response", (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, forwardedRawHeaders(answer.rawHeaders));
        answer.pipe(res);
        answer.on("error", (error) => res.destroy(error));
        answer.on("end", resolve);
        // The shield cut its answer short: so must this one, or the POP would wait forever.
        answer.on("aborted", () => res.destroy());
      });
      // The POP went away before its answer was whole: stop asking the shield.
      res.on("close", () => {
        if (!res.writableFinished) upstream.destroy();
        resolve();
      });
      req.pipe(upstream);
    });
}

export interface ShieldFront {
  /** The loopback port the POP instances' shielding site points at. */
  readonly port: number;
  /** Stops it and takes it off the control server. */
  stop(): Promise<void>;
}

/**
 * Starts the counting front for the shield instance at `shieldPort` on `port` (0: a free one),
 * registered with the local origins, so the control server reports, resets and faults it with
 * the rest (`/requests/shield`, `/faults/shield`).
 */
export async function startShieldFront(origins: Pick<LocalOrigins, "fronts" | "ledger">, shieldPort: number, port = 0): Promise<ShieldFront> {
  if (origins.fronts.has(shieldOrigin)) throw new Error("these local origins already have a shield front");
  const front = new OriginFront(shieldOrigin, shieldProxy({ host: "127.0.0.1", port: shieldPort }), origins.ledger);
  const listening = await front.listen(port);
  origins.fronts.set(shieldOrigin, front);
  return {
    port: listening,
    async stop() {
      if (origins.fronts.get(shieldOrigin) === front) origins.fronts.delete(shieldOrigin);
      await front.close();
    },
  };
}
