import { describe, expect, it } from "vitest";
import { clientAsksToClose, connectionNamedHeaders, connectionSpecific, hopByHopHeaders, withoutConnectionSpecific } from "../../../src/http/hop-by-hop.js";

describe("connection-specific headers (RFC 9110 §7.6.1)", () => {
  it("lists the names a Connection header gives, lower-cased, malformed tokens dropped", () => {
    expect(connectionNamedHeaders(null)).toEqual([]);
    expect(connectionNamedHeaders("close")).toEqual(["close"]);
    expect(connectionNamedHeaders(" X-Secret , keep-alive,,bad name, x-a@b")).toEqual(["x-secret", "keep-alive"]);
  });

  it("is the fixed hop-by-hop set plus the Connection-named ones", () => {
    const set = connectionSpecific(new Headers({ connection: "x-internal, X-Trace" }));
    for (const name of hopByHopHeaders) expect(set.has(name)).toBe(true);
    expect(set.has("x-internal")).toBe(true);
    expect(set.has("x-trace")).toBe(true);
    expect(set.has("content-type")).toBe(false);
  });
});

describe("headers passed on to a client", () => {
  it("lose the hop-by-hop and Connection-named ones and keep the rest, repeated ones included", () => {
    const passed = withoutConnectionSpecific(
      new Headers([
        ["connection", "X-Secret"],
        ["x-secret", "1"],
        ["keep-alive", "timeout=5"],
        ["content-type", "text/plain"],
        ["set-cookie", "a=1"],
        ["set-cookie", "b=2"],
      ]),
    );
    expect([...new Set(passed.keys())].sort()).toEqual(["content-type", "set-cookie"]);
    expect(passed.getSetCookie()).toEqual(["a=1", "b=2"]);
  });
});

describe("clientAsksToClose (RFC 9112 §9.6)", () => {
  it("is true when the client's Connection names close, in any case and position", () => {
    expect(clientAsksToClose(new Headers({ connection: "close" }))).toBe(true);
    expect(clientAsksToClose(new Headers({ connection: "TE, Close" }))).toBe(true);
    expect(clientAsksToClose(new Headers({ connection: "keep-alive" }))).toBe(false);
    expect(clientAsksToClose(new Headers({ connection: "closed" }))).toBe(false);
    expect(clientAsksToClose(new Headers())).toBe(false);
  });
});
