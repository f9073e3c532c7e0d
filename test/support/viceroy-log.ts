// Reading what the edge logged under Viceroy: every logging-endpoint line is printed on Viceroy's
// stdout as `<endpoint> :: <message>`, and the e2e harness appends that output to one file. Lines
// are written when a response body ends (after the client has its last byte), so tests wait for
// the lines they expect instead of reading once.

import { readFileSync } from "node:fs";

export interface LoggedLine {
  readonly endpoint: string;
  readonly message: string;
}

const separator = " :: ";

/** Splits Viceroy output into endpoint lines; other output (console, warnings) is left out. */
export function endpointLines(output: string, endpoints?: ReadonlySet<string>): LoggedLine[] {
  const lines: LoggedLine[] = [];
  for (const raw of output.split("\n")) {
    const at = raw.indexOf(separator);
    if (at <= 0) continue;
    let endpoint = raw.slice(0, at);
    if (/\s/.test(endpoint) && endpoints) {
      // The runtime writes "Warning: body ReadableStream closed during body streaming…" with no
      // line break when it cuts a client's answer, so the next line starts glued to it.
      endpoint = [...endpoints].find((name) => endpoint.endsWith(name)) ?? endpoint;
    }
    if (/\s/.test(endpoint) || (endpoints && !endpoints.has(endpoint))) continue;
    lines.push({ endpoint, message: raw.slice(at + separator.length) });
  }
  return lines;
}

export interface LogWatch {
  /** Endpoint lines written since the watch began. */
  lines(): LoggedLine[];
  /** Waits until `count` lines match, and returns them (fails after `timeoutMs`). */
  waitFor(match: (line: LoggedLine) => boolean, count?: number, timeoutMs?: number): Promise<LoggedLine[]>;
}

/**
 * The output up to its last line break: Viceroy may be halfway through writing a line when the
 * file is read, and half a JSON line read as whole fails to parse (seen once in a full run).
 */
export function completeLines(output: string): string {
  return output.slice(0, output.lastIndexOf("\n") + 1);
}

/** Watches the log file from its current end. */
export function watchLog(path: string, endpoints: ReadonlySet<string>): LogWatch {
  const from = readFileSync(path).length;
  const lines = () => endpointLines(completeLines(readFileSync(path).subarray(from).toString("utf8")), endpoints);
  return {
    lines,
    async waitFor(match, count = 1, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines().filter(match);
        if (found.length >= count) return found;
        if (Date.now() > deadline) {
          throw new Error(`expected ${count} matching log line(s), found ${found.length}:\n${lines().map((l) => `${l.endpoint} :: ${l.message}`).join("\n")}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/** A user agent no other request of the run carries, to find one request's lines. */
export function uniqueAgent(label: string): string {
  return `logs-test/${label}/${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * The feed lines of the request that carried `agent`, decoded: waits for its request-log line
 * (written with the others, so the feed line, if any, is there by then).
 */
export async function feedLinesFor(log: LogWatch, agent: string): Promise<Record<string, unknown>[]> {
  await log.waitFor((l) => l.endpoint === "requests" && JSON.parse(l.message).user_agent === agent);
  return log
    .lines()
    .filter((l) => l.endpoint === "feeds" && l.message.includes(agent))
    .map((l) => JSON.parse(l.message) as Record<string, unknown>);
}
