// `npm run smoke -- <base-url> [--episode <path>] [--host <public>=<name>]... [--timeout <ms>]
//                   [--large-episode <path>] [--slow]`
//
// Checks the key behaviours of a running edge (scripts/smoke/cases.ts) and prints one line per
// case; exits 1 when any case fails, 2 on a usage error.
//
// Opt-in long cases (scripts/smoke/long.ts), for Fastly Compute's per-execution limits, which
// only the real network enforces:
//   --large-episode <path>   a full GET of that episode (over 70 MiB), every byte compared with
//                            the local fixture or the assets origin (seconds to a minute)
//   --slow                   that episode read whole for over 2 minutes, and a player reading
//                            open ranges at 128 kbit/s for 3 minutes, side by side (about 3 min)
//
//   npm run smoke -- http://127.0.0.1:7676                      a local edge (npm run dev)
//   npm run smoke -- https://changelog.com --episode <mp3 path> production
//   npm run smoke -- https://<staging app name> --host cdn.changelog.com=<staging cdn name> ...
//
// Over http:// every request connects to the base URL and sends the public host as Host. Over
// https:// every request connects to its own host name (Fastly routes by it); the base URL's
// host is the name changelog.com is served as, and --host maps the other sites.

import { fileURLToPath } from "node:url";
import { defaultEpisode, everyResponse, smokeCases } from "./smoke/cases.js";
import { formatLongResult, runLongCases } from "./smoke/long.js";
import { formatResult, runCases, targetFor } from "./smoke/runner.js";

export interface SmokeArgs {
  readonly baseUrl: string;
  readonly episode: string;
  readonly hosts: Record<string, string>;
  readonly timeoutMs: number;
  /** The long cases' episode (over 70 MiB); set only when given. */
  readonly largeEpisode?: string;
  /** Run the slow long cases; set only when given. */
  readonly slow?: true;
}

export const usage =
  "usage: npm run smoke -- <base-url> [--episode <mp3 path>] [--host <public host>=<served as>]... [--timeout <ms>]\n" +
  "                         [--large-episode <mp3 path over 70 MiB>] [--slow]";

export function parseArgs(argv: readonly string[]): SmokeArgs {
  let baseUrl: string | undefined;
  let episode = defaultEpisode;
  let timeoutMs = 30_000;
  let largeEpisode: string | undefined;
  let slow = false;
  const hosts: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    // --flag value or --flag=value (the value of --host holds "=" itself).
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--episode":
        episode = value();
        if (!episode.startsWith("/")) throw new Error(`--episode is a path starting with "/": ${episode}`);
        break;
      case "--large-episode":
        largeEpisode = value();
        if (!largeEpisode.startsWith("/")) throw new Error(`--large-episode is a path starting with "/": ${largeEpisode}`);
        break;
      case "--slow":
        if (inline !== undefined) throw new Error("--slow takes no value");
        slow = true;
        break;
      case "--host": {
        const mapping = value();
        const eq = mapping.indexOf("=");
        if (eq <= 0 || eq === mapping.length - 1) throw new Error(`--host wants <public host>=<served as>: ${mapping}`);
        hosts[mapping.slice(0, eq).toLowerCase()] = mapping.slice(eq + 1).toLowerCase();
        break;
      }
      case "--timeout":
        timeoutMs = Number(value());
        if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new Error("--timeout is a number of milliseconds");
        break;
      default:
        if (flag.startsWith("-")) throw new Error(`unknown option ${flag}`);
        if (baseUrl !== undefined) throw new Error(`one base URL only (got ${baseUrl} and ${arg})`);
        baseUrl = arg.replace(/\/+$/, "");
    }
  }
  if (baseUrl === undefined) throw new Error("a base URL is required");
  return { baseUrl, episode, hosts, timeoutMs, ...(largeEpisode ? { largeEpisode } : {}), ...(slow ? { slow: true as const } : {}) };
}

export async function main(argv: readonly string[]): Promise<number> {
  let args: SmokeArgs;
  let target: ReturnType<typeof targetFor>;
  try {
    args = parseArgs(argv);
    target = targetFor(args.baseUrl, args.hosts);
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  console.log(`smoke: ${smokeCases.length} cases against ${args.baseUrl} (episode ${args.episode})`);
  const results = await runCases(smokeCases, target, {
    vars: { episode: args.episode },
    every: everyResponse,
    timeoutMs: args.timeoutMs,
    userAgent: "changelog-edge-smoke/1",
    onResult: (result) => console.log(formatResult(result)),
  });
  let failed = results.filter((r) => !r.passed).length;
  let total = results.length;
  if (args.largeEpisode || args.slow) {
    console.log(`long cases${args.slow ? " (--slow: about 3 minutes)" : ""}:`);
    const long = await runLongCases(target, {
      ...(args.largeEpisode ? { largeEpisode: args.largeEpisode } : {}),
      playerEpisode: args.episode,
      slow: args.slow === true,
      userAgent: "changelog-edge-smoke/1",
      onResult: (result) => console.log(formatLongResult(result)),
    });
    failed += long.filter((r) => !r.passed).length;
    total += long.length;
  }
  console.log(`${total - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
