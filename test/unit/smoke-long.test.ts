// The smoke suite's opt-in long cases (scripts/smoke/long.ts) against a pretend edge on loopback:
// a correct one passes, and each way of breaking a limit (a cut body, wrong bytes, a cut answer)
// is noticed. Rates and durations are shortened; the real run reads for minutes.

import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { beforeEach, describe, expect, it } from "vitest";
import { writtenBodyBytes } from "../../src/cache/asset-delivery.js";
import { parseArgs } from "../../scripts/smoke.js";
import { loopbackServer } from "../support/loopback-server.js";
import { largeEpisodeBytes, runLongCases, type LongCaseOptions, type Reference } from "../../scripts/smoke/long.js";
import { targetFor } from "../../scripts/smoke/runner.js";

const size = largeEpisodeBytes + 12_345;
const path = "/uploads/gotime/250/go-time-250.mp3";
/** Byte i of the pretend episode. */
const byteAt = (i: number) => (i * 31 + 7) & 0xff;

function bytes(start: number, end: number): Buffer {
  const out = Buffer.alloc(end - start);
  for (let i = start; i < end; i++) out[i - start] = byteAt(i);
  return out;
}

const reference: Reference = {
  name: "the pretend origin",
  async digest(_path, start, end) {
    const hash = createHash("sha256");
    for (let at = start; at < end; at += 4 << 20) hash.update(bytes(at, Math.min(end, at + (4 << 20))));
    return hash.digest("hex");
  },
};

interface Breakage {
  cutWholeAt?: number;
  flipByte?: number;
  cutAnswerAt?: number;
}
let breakage: Breakage = {};

/** Streams [start, end) in 1 MiB writes, honouring backpressure; cuts the connection at `cut`. */
function streamBody(res: ServerResponse, start: number, end: number, cut?: number): void {
  let at = start;
  const write = () => {
    while (at < end) {
      const stop = Math.min(end, at + (1 << 20), cut ?? end);
      const chunk = bytes(at, stop);
      if (breakage.flipByte !== undefined && breakage.flipByte >= at && breakage.flipByte < stop) chunk[breakage.flipByte - at]! ^= 1;
      at = stop;
      if (cut !== undefined && at >= cut) {
        res.write(chunk, () => res.destroy());
        return;
      }
      if (!res.write(chunk)) return void res.once("drain", write);
    }
    res.end();
  };
  write();
}

function pretendEdge(req: IncomingMessage, res: ServerResponse): void {
  const headers = { "x-request-id": "r-long", "cache-status": "changelog-edge; hit", "content-type": "audio/mpeg" };
  if (req.url !== path) return void res.writeHead(404, headers).end();
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
  if (!range) {
    res.writeHead(200, { ...headers, "content-length": String(size) });
    return streamBody(res, 0, size, breakage.cutWholeAt);
  }
  const start = Number(range[1]);
  const end = Math.min(range[2] === "" ? size - 1 : Number(range[2]), start + writtenBodyBytes - 1, size - 1);
  res.writeHead(206, { ...headers, "content-range": `bytes ${start}-${end}/${size}`, "content-length": String(end - start + 1) });
  streamBody(res, start, end + 1, breakage.cutAnswerAt === undefined ? undefined : start + breakage.cutAnswerAt);
}

describe("the long smoke cases against a pretend edge", () => {
  const edge = loopbackServer(pretendEdge);
  beforeEach(() => {
    breakage = {};
  });

  const run = (options: Partial<LongCaseOptions>) =>
    runLongCases(targetFor(edge.base()), { playerEpisode: path, slow: false, userAgent: "smoke-long-test", reference, idleTimeoutMs: 5_000, ...options });

  it("a whole large download: every byte compared, and the log lines to look for", async () => {
    const [result] = await run({ largeEpisode: path });
    expect(result!.problems).toEqual([]);
    expect(result!.passed).toBe(true);
    expect(result!.notes.join("\n")).toMatch(/every byte as the pretend origin has it/);
    expect(result!.notes.join("\n")).toMatch(new RegExp(`request_id r-long, delivery host, bytes_out ${size}, and one episodes-gotime line`));
  });

  it("notices a whole download cut short, and wrong bytes", async () => {
    breakage = { cutWholeAt: 40 << 20 };
    const [cut] = await run({ largeEpisode: path });
    expect(cut!.passed).toBe(false);
    expect(cut!.problems.join()).toMatch(/body cut after/);
    breakage = { flipByte: 50_000_001 };
    const [wrong] = await run({ largeEpisode: path });
    expect(wrong!.problems).toEqual(["bytes differ from the pretend origin (SHA-256)"]);
  });

  it("a player reads bounded answers one after another, and notices one cut short", async () => {
    const options = { slow: true, playerRate: 8 << 20, playerSeconds: 0.5 };
    const [ok] = await run(options);
    expect(ok!.problems).toEqual([]);
    expect(ok!.notes[0]).toMatch(/^\d+ answers: /);
    breakage = { cutAnswerAt: 300_000 };
    const [cut] = await run(options);
    expect(cut!.passed).toBe(false);
    expect(cut!.problems.join()).toMatch(/of 1048576 bytes/);
  });

  it("a slow whole download must arrive whole and last past the runtime limit", async () => {
    breakage = { cutWholeAt: 10 << 20 };
    const cut = await run({ slow: true, largeEpisode: path, slowDownloadSeconds: 1, playerSeconds: 0.2, playerRate: 8 << 20 });
    const slow = cut.find((r) => r.label.includes("slowly"))!;
    expect(slow.problems.join()).toMatch(/body cut after/);
    breakage = {};
    const quick = await run({ slow: true, largeEpisode: path, slowDownloadSeconds: 1, playerSeconds: 0.2, playerRate: 8 << 20 });
    expect(quick.find((r) => r.label.includes("slowly"))!.problems.join()).toMatch(/proved nothing/);
  });
});

describe("the long cases' arguments", () => {
  it("are off unless asked for", () => {
    expect(parseArgs(["http://a"])).not.toHaveProperty("largeEpisode");
    expect(parseArgs(["http://a"])).not.toHaveProperty("slow");
    expect(parseArgs(["http://a", "--large-episode", "/big.mp3", "--slow"])).toMatchObject({ largeEpisode: "/big.mp3", slow: true });
    expect(() => parseArgs(["http://a", "--large-episode", "big.mp3"])).toThrow(/starting with/);
    expect(() => parseArgs(["http://a", "--slow=yes"])).toThrow(/no value/);
  });
});
