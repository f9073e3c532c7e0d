// Each endpoint's line is written on its own: a sink that throws for one endpoint, or a line
// writer that throws, loses that line only.

import { describe, expect, it } from "vitest";
import { episodeEndpointFor, type LogDestinations } from "../../../src/logs/destinations.js";
import { feedEndpoint, requestEndpoint } from "../../../src/config/log-endpoints.js";
import type { Exchange } from "../../../src/logs/exchange.js";
import { writeLines } from "../../../src/logs/write-lines.js";
import { exchange } from "./exchange.js";

const all: LogDestinations = {
  episode: episodeEndpointFor("/uploads/podcast/600/the-changelog-600.mp3"),
  feed: feedEndpoint,
  request: requestEndpoint,
};

function run(destinations: LogDestinations, x: Exchange, failing: ReadonlySet<string>) {
  const written: string[] = [];
  const failed: string[] = [];
  writeLines(
    destinations,
    x,
    (endpoint, line) => {
      if (failing.has(endpoint)) throw new Error(`${endpoint} is down`);
      expect(line.length).toBeGreaterThan(0);
      written.push(endpoint);
    },
    (endpoint) => failed.push(endpoint),
  );
  return { written, failed };
}

describe("writeLines", () => {
  it("writes every line the destinations ask for", () => {
    expect(all.episode).not.toBeNull();
    expect(run(all, exchange(), new Set())).toEqual({ written: [all.episode!.name, "feeds", "requests"], failed: [] });
  });

  it("keeps the other endpoints' lines when one endpoint throws, whichever it is", () => {
    for (const down of [all.episode!.name, feedEndpoint.name, requestEndpoint.name]) {
      const { written, failed } = run(all, exchange(), new Set([down]));
      expect(failed).toEqual([down]);
      expect(written).toEqual([all.episode!.name, "feeds", "requests"].filter((name) => name !== down));
    }
  });

  it("keeps the other lines when a line writer throws", () => {
    // A geo record whose city cannot be read the first time: the first writer (the episode
    // line's) fails, the next ones still write.
    let reads = 0;
    const flaky = exchange({
      geo: {
        ...exchange().geo,
        get city(): string {
          reads += 1;
          if (reads === 1) throw new Error("unreadable");
          return "Ashburn";
        },
      },
    });
    const { written, failed } = run(all, flaky, new Set());
    expect(failed).toEqual([all.episode!.name]);
    expect(written).toEqual(["feeds", "requests"]);
  });

  it("writes only the request line when no other destination applies", () => {
    expect(run({ episode: null, feed: null, request: requestEndpoint }, exchange(), new Set())).toEqual({ written: ["requests"], failed: [] });
  });
});
