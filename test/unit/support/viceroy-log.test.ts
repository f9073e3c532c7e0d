import { describe, expect, it } from "vitest";
import { completeLines, endpointLines } from "../../support/viceroy-log.js";

describe("reading Viceroy's log while it is written", () => {
  it("leaves out a line Viceroy has not finished writing", () => {
    const output = 'requests :: {"a":1}\nrequests :: {"b":';
    expect(completeLines(output)).toBe('requests :: {"a":1}\n');
    expect(endpointLines(completeLines(output), new Set(["requests"])).map((l) => JSON.parse(l.message))).toEqual([{ a: 1 }]);
  });

  it("keeps every line once the last one has ended, and nothing of an empty output", () => {
    expect(completeLines("x :: 1\ny :: 2\n")).toBe("x :: 1\ny :: 2\n");
    expect(completeLines("")).toBe("");
    expect(completeLines("no break yet")).toBe("");
  });
});
