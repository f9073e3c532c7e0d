// `npm run dev`'s local copy of the S3 buckets.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LocalLogFiles, localObjectPath, strftime } from "../../../scripts/local-logs.js";
import { episodeEndpoints, feedEndpoint } from "../../../src/config/log-endpoints.js";

const at = Date.UTC(2024, 7, 9, 18, 23, 17, 42);
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("local log files", () => {
  it("formats object names with the endpoint's strftime pattern, in UTC", () => {
    expect(strftime("%Y-%m-%dT%H:%M:%S.000", at)).toBe("2024-08-09T18:23:17.000");
    expect(localObjectPath(feedEndpoint, at)).toBe("changelog-logs-feeds/2024-08-09T18:00:00.000-local.log");
  });

  it("appends each endpoint line to its bucket's object for the period, and ignores other output", () => {
    const root = mkdtempSync(join(tmpdir(), "local-logs-"));
    dirs.push(root);
    let now = at;
    const files = new LocalLogFiles(root, undefined, () => now);
    const podcast = episodeEndpoints.get("podcast")!;
    files.write(`${podcast.name} :: 1.2.3.4,[09/Aug/2024:18:23:17 +0000],/uploads/podcast/1/a.mp3,10,200,"ua, with comma",`);
    files.write(`0.000,0.000,"(null)",(null),(null),"(null)"\nLog: something from console.log\nfeeds :: {"a": 1}\n`);
    now = at + 3600_000;
    files.write(`unknown-endpoint :: ignored\n${podcast.name} :: next hour\nfeeds :: partial`);
    expect(readdirSync(root).sort()).toEqual(["changelog-logs-feeds", "changelog-logs-podcast"]);
    expect(readFileSync(join(root, "changelog-logs-podcast/2024-08-09T18:00:00.000-local.log"), "utf8")).toBe(
      '1.2.3.4,[09/Aug/2024:18:23:17 +0000],/uploads/podcast/1/a.mp3,10,200,"ua, with comma",0.000,0.000,"(null)",(null),(null),"(null)"\n',
    );
    expect(readFileSync(join(root, "changelog-logs-podcast/2024-08-09T19:00:00.000-local.log"), "utf8")).toBe("next hour\n");
    expect(readFileSync(join(root, "changelog-logs-feeds/2024-08-09T18:00:00.000-local.log"), "utf8")).toBe('{"a": 1}\n');
  });
});
