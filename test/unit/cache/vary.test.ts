import { describe, expect, it } from "vitest";
import { storePolicy } from "../../../src/cache/policy.js";
import { varyOf } from "../../../src/cache/vary.js";

describe("Vary (RFC 9111 §4.1)", () => {
  it("gives Core Cache the lower-cased, deduplicated, sorted names", () => {
    expect(varyOf(new Headers())).toEqual({ kind: "none" });
    expect(varyOf(new Headers({ vary: " , " }))).toEqual({ kind: "none" });
    expect(varyOf(new Headers({ vary: "Foo" }))).toEqual({ kind: "headers", names: ["foo"] });
    expect(varyOf(new Headers([["vary", "Accept-Encoding, foo"], ["vary", "FOO"]]))).toEqual({
      kind: "headers",
      names: ["accept-encoding", "foo"],
    });
  });

  it("tells Vary: * apart, alone or in a list", () => {
    expect(varyOf(new Headers({ vary: "*" }))).toEqual({ kind: "star" });
    expect(varyOf(new Headers({ vary: "Foo, *" }))).toEqual({ kind: "star" });
  });

  it("never stores Vary: *, and stores other Vary answers", () => {
    expect(storePolicy("app", 200, new Headers({ vary: "*" }))).toEqual({ store: false, reason: "vary-star" });
    expect(storePolicy("feeds", 200, new Headers({ vary: "Accept-Encoding" }))).toMatchObject({ store: true });
  });
});
