// `npm run dev` keeps what production would ship to S3: Viceroy prints every logging-endpoint
// line on its stdout as `<endpoint> :: <message>`, and this writes each one into
// `.local/logs/<bucket>/<object>`, laid out like the S3 buckets (src/config/log-endpoints.ts):
// one folder per bucket, one object per period, named by the endpoint's timestamp format.

import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { logEndpoints, type LogEndpoint } from "../src/config/log-endpoints.js";

const separator = " :: ";

/** strftime for the conversions Fastly's object names use (%Y %m %d %H %M %S), in UTC. */
export function strftime(format: string, ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  const values: Record<string, string> = {
    Y: String(d.getUTCFullYear()),
    m: two(d.getUTCMonth() + 1),
    d: two(d.getUTCDate()),
    H: two(d.getUTCHours()),
    M: two(d.getUTCMinutes()),
    S: two(d.getUTCSeconds()),
    "%": "%",
  };
  return format.replace(/%(.)/g, (all, c: string) => values[c] ?? all);
}

/**
 * The object a line logged at `ms` lands in: the bucket path, the start of its period in the
 * endpoint's timestamp format, and a suffix (Fastly adds a random one; locally there is one
 * writer). E.g. `changelog-logs-podcast/2024-08-09T18:00:00.000-local.log`.
 */
export function localObjectPath(endpoint: LogEndpoint, ms: number): string {
  const { period, timestampFormat, path } = endpoint.delivery;
  const periodStart = Math.floor(ms / (period * 1000)) * period * 1000;
  const prefix = path.replace(/^\/+/, "");
  return join(endpoint.bucket, `${prefix}${strftime(timestampFormat, periodStart)}-local.log`);
}

/** Takes Viceroy's stdout in chunks and appends each endpoint line to its local object. */
export class LocalLogFiles {
  private pending = "";
  private readonly byName: ReadonlyMap<string, LogEndpoint>;

  constructor(
    readonly root: string,
    endpoints: readonly LogEndpoint[] = logEndpoints,
    private readonly now: () => number = Date.now,
  ) {
    this.byName = new Map(endpoints.map((e) => [e.name, e]));
  }

  write(chunk: Buffer | string): void {
    this.pending += chunk.toString();
    const lines = this.pending.split("\n");
    this.pending = lines.pop()!;
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    const at = line.indexOf(separator);
    if (at <= 0) return;
    const endpoint = this.byName.get(line.slice(0, at));
    if (!endpoint) return;
    const file = join(this.root, localObjectPath(endpoint, this.now()));
    mkdirSync(join(file, ".."), { recursive: true });
    appendFileSync(file, `${line.slice(at + separator.length)}\n`);
  }
}
