import { describe, expect, it } from "vitest";
import { isNullBodyStatus } from "../../../src/http/null-body.js";

describe("null body statuses", () => {
  it("are 101, 103, 204, 205 and 304, which the Response constructor refuses a body for", () => {
    for (let status = 200; status <= 599; status++) {
      const nullBody = isNullBodyStatus(status);
      expect(nullBody).toBe([204, 205, 304].includes(status));
      if (nullBody) expect(() => new Response("x", { status })).toThrow();
    }
    expect(isNullBodyStatus(101)).toBe(true);
    expect(isNullBodyStatus(103)).toBe(true);
  });
});
