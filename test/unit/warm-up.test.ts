// src/warm-up.ts: the decisions run once at build time, before the snapshot every execution
// starts from. Run here in Node, where it must report nothing and still reach every kind of
// request the edge serves, so that a change of routes or log lines that breaks it, or leaves a
// kind out, fails here instead of silently costing every request its compilation again.

import { describe, expect, it } from "vitest";
import { warmUp } from "../../src/warm-up.js";
import { logEndpoints } from "../../src/config/log-endpoints.js";

describe("warmUp", () => {
  it("reports no failure", () => {
    const reported: unknown[] = [];
    warmUp((error) => reported.push(error));
    expect(reported.map(String)).toEqual([]);
  });

  it("reaches every kind of decision, every origin, cached and not", () => {
    const { decisions } = warmUp();
    expect([...decisions].sort()).toEqual(
      ["origin app", "origin app cached", "origin feeds cached", "origin nightly cached", "origin assets cached", "purge", "synthetic", "websocket"].sort(),
    );
  });

  it("writes the request line of every outcome, and the feed and episode lines", () => {
    const { lines } = warmUp();
    expect(lines.get("requests")).toBeGreaterThanOrEqual(5 * 10);
    expect(lines.get("feeds")).toBeGreaterThan(0);
    expect([...lines.keys()].filter((name) => name.startsWith("episodes-")).length).toBeGreaterThan(0);
    for (const name of lines.keys()) expect(JSON.stringify(logEndpoints)).toContain(name);
  });

  it("answers assets whole, by range, unsatisfiable and not modified, and judges pages stored and not", () => {
    const { assetAnswers, pageStores } = warmUp();
    expect([...assetAnswers].sort()).toEqual(["content 200", "content 206", "not-modified 304", "refused 416"]);
    expect(pageStores.has("store")).toBe(true);
    expect(pageStores.size).toBeGreaterThan(1);
  });

  it("is the same every time: it keeps no state of its own", () => {
    const strip = (s: ReturnType<typeof warmUp>) => JSON.stringify({ ...s, decisions: [...s.decisions], lines: [...s.lines], assetAnswers: [...s.assetAnswers], pageStores: [...s.pageStores] });
    expect(strip(warmUp())).toBe(strip(warmUp()));
  });
});
