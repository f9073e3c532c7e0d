import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { requestIdFor } from "../../../src/http/request-id.js";

const fresh = () => "fresh-id";

describe("X-Request-Id", () => {
  it("keeps Fly's id first, then the client's", () => {
    expect(requestIdFor(new Headers({ "fly-request-id": "01HFLY", "x-request-id": "client" }), fresh)).toBe("01HFLY");
    expect(requestIdFor(new Headers({ "x-request-id": "client-123" }), fresh)).toBe("client-123");
  });

  it("makes a new one when there is none or it does not look like an id", () => {
    expect(requestIdFor(new Headers(), fresh)).toBe("fresh-id");
    for (const bad of ["", "has space", "a\"b", "x".repeat(129), "<script>"]) {
      expect(requestIdFor(new Headers({ "x-request-id": bad }), fresh)).toBe("fresh-id");
    }
  });

  it("only ever returns a short token-like id", () => {
    fc.assert(
      fc.property(fc.option(fc.stringMatching(/^[\x20-\x7e]{0,200}$/)), fc.option(fc.stringMatching(/^[\x20-\x7e]{0,200}$/)), (fly, client) => {
        const headers = new Headers();
        if (fly !== null) headers.set("fly-request-id", fly);
        if (client !== null) headers.set("x-request-id", client);
        expect(requestIdFor(headers, fresh)).toMatch(/^[A-Za-z0-9._:+/=-]{1,128}$/);
      }),
    );
  });
});
