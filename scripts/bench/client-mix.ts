// How many downloads the stats importer would count for a realistic mix of clients, against how
// many really happened. Each client of the mix fetches one episode of known size the way a kind
// of podcast client does and records the body bytes that reached it; then the episode CSV lines
// the edge wrote for those requests (Viceroy stdout, `episodes-<slug> :: <line>`) are read with
// the importer's own rules (test/support/importer.ts), and downloads are counted as the app
// counts them, summed logged bytes / size, beside summed received bytes / size.
//
// Why they differ: a whole object larger than an answer from the store is the origin's body on
// the host (src/engine/assets.ts), whose line says the length handed over (delivery `host`), so a
// full GET the client hangs up on is counted whole; answers written from the store (`writtenBodyBytes` at most)
// are counted as they leave, so they differ from what arrived by what sat in buffers.

import { episodeEndpointFor } from "../../src/logs/destinations.js";
import { parseContentRange } from "../../src/http/range.js";
import { importLine } from "../../test/support/importer.js";
import { endpointLines } from "../../test/support/viceroy-log.js";
import type { Fixture } from "../origins/fixtures.js";
import type { BenchEdge, Measured } from "./measure.js";

const MiB = 1024 * 1024;

export interface ClientKind {
  readonly kind: string;
  /** One entry per client of this kind: what that client does, in MiB. */
  readonly clients: readonly number[];
  readonly run: (edge: BenchEdge, fixture: Fixture, agent: string, mib: number) => Promise<Measured[]>;
}

/**
 * Follows 206 answers from `from` on (`Range: bytes=<next>-<next+ask-1>`, or open when `ask` is
 * null), each time from one past the end its Content-Range named, until `stopAt` bytes of the
 * object are passed; the last answer is hung up on where `stopAt` falls inside it.
 */
async function followRanges(edge: BenchEdge, fixture: Fixture, agent: string, from: number, stopAt: number, ask: number | null): Promise<Measured[]> {
  const seen: Measured[] = [];
  for (let next = from; next < Math.min(stopAt, fixture.size); ) {
    const range = ask === null ? `bytes=${next}-` : `bytes=${next}-${next + ask - 1}`;
    const last = stopAt < fixture.size ? stopAt - next : undefined;
    const answer = await edge.one(fixture.path, { headers: { range, "user-agent": agent }, ...(last !== undefined ? { hangUpAfter: last } : {}) });
    seen.push(answer);
    const got = parseContentRange(String(answer.headers["content-range"] ?? ""))?.range;
    if (answer.status !== 206 || !got) throw new Error(`${agent}: ${range} answered ${answer.status} ${answer.headers["content-range"] ?? ""}`);
    if (answer.hungUp) break;
    next = got.end + 1;
  }
  return seen;
}

export const clientMix: readonly ClientKind[] = [
  {
    kind: "full download",
    clients: [0, 0, 0],
    run: async (edge, fixture, agent) => [await edge.one(fixture.path, { headers: { "user-agent": agent } })],
  },
  {
    // A listener who starts a download and cancels it, or a client that fetches the start of a
    // file to read its tags: a full GET hung up on after `mib`.
    kind: "full GET, hang-up after N MiB",
    clients: [1, 8, 30, 90],
    run: async (edge, fixture, agent, mib) => [await edge.one(fixture.path, { headers: { "user-agent": agent }, hangUpAfter: mib * MiB })],
  },
  {
    // A download manager: hung up after `mib`, then `Range: bytes=<received>-`, following the
    // answers to the end.
    kind: "resumed (hang-up, then bytes=N-)",
    clients: [10, 40, 100],
    run: async (edge, fixture, agent, mib) => {
      const first = await edge.one(fixture.path, { headers: { "user-agent": agent }, hangUpAfter: mib * MiB });
      return [first, ...(await followRanges(edge, fixture, agent, first.received, fixture.size, null))];
    },
  },
  {
    // A player asking 3 MiB at a time (it gets at most `writtenBodyBytes` and asks from there),
    // listening for `mib` from the start (0: the whole episode), and stopping mid-answer.
    kind: "player, 3 MiB ranges",
    clients: [6.5, 25.3, 0],
    run: (edge, fixture, agent, mib) => followRanges(edge, fixture, agent, 0, mib === 0 ? fixture.size : Math.floor(mib * MiB), 3 * MiB),
  },
  {
    // A player that seeks to 37 % and listens for `mib` with open ranges.
    kind: "player, seek 37 %, bytes=N-",
    clients: [12.4],
    run: (edge, fixture, agent, mib) => {
      const from = Math.floor(fixture.size * 0.37);
      return followRanges(edge, fixture, agent, from, from + Math.floor(mib * MiB), null);
    },
  },
];

export interface MixRow {
  readonly kind: string;
  readonly clients: number;
  readonly requests: number;
  /** Bytes of the episode lines the importer keeps for these clients. */
  readonly logged: number;
  readonly received: number;
  readonly lines: number;
  /** Deliveries of their request-log lines, e.g. "host 4, complete 30". */
  readonly deliveries: string;
}

export async function runClientMix(edge: BenchEdge, fixture: Fixture): Promise<MixRow[]> {
  const endpoint = episodeEndpointFor(fixture.path);
  if (!endpoint) throw new Error(`${fixture.path} is no episode path of a podcast`);
  const from = edge.mark();
  const rows: MixRow[] = [];
  const run = Date.now().toString(36);
  const agents = new Map<string, string>();
  const measured = new Map<string, Measured[]>();
  for (const kind of clientMix) {
    for (const [i, mib] of kind.clients.entries()) {
      const agent = `changelog-edge-bench/${run} mix-${clientMix.indexOf(kind)}-${i}`;
      agents.set(agent, kind.kind);
      measured.set(agent, await kind.run(edge, fixture, agent, mib));
    }
  }
  // Every answer above has its request-log line, and episode lines are written with it.
  const logged = new Map<string, { bytes: number; lines: number }>();
  for (const { message } of endpointLines(edge.output(from), new Set([endpoint.name]))) {
    const imported = importLine(message);
    if (!imported.kept) continue;
    const kind = agents.get(imported.entry.agent);
    if (kind === undefined) continue;
    const sum = logged.get(kind) ?? { bytes: 0, lines: 0 };
    logged.set(kind, { bytes: sum.bytes + imported.entry.bytes, lines: sum.lines + 1 });
  }
  for (const kind of clientMix) {
    const answers = [...measured].filter(([agent]) => agents.get(agent) === kind.kind).flatMap(([, m]) => m);
    const deliveries = new Map<string, number>();
    for (const a of answers) deliveries.set(a.line?.delivery ?? "?", (deliveries.get(a.line?.delivery ?? "?") ?? 0) + 1);
    rows.push({
      kind: kind.kind,
      clients: kind.clients.length,
      requests: answers.length,
      logged: logged.get(kind.kind)?.bytes ?? 0,
      lines: logged.get(kind.kind)?.lines ?? 0,
      received: answers.reduce((n, a) => n + a.received, 0),
      deliveries: [...deliveries].map(([d, n]) => `${d} ${n}`).join(", "),
    });
  }
  return rows;
}
