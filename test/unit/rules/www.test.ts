import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isServedHost } from "../../../src/edge-request.js";
import { hostWithoutWww, www } from "../../../src/rules/www.js";
import { edgeRequest } from "../request.js";
import { anyDomain } from "./arbitraries.js";

describe("rule 3: www aliases", () => {
  for (const host of ["changelog.com", "cdn.changelog.com", "nightly.changelog.com"]) {
    it(`www.${host} → https://${host}, path and query kept, empty body`, () => {
      expect(www(edgeRequest(`https://www.${host}/a/b?c=d`))).toEqual({
        kind: "synthetic",
        status: 301,
        reason: "www",
        headers: { location: `https://${host}/a/b?c=d` },
        body: "",
      });
    });
  }

  it("leaves hosts without www alone", () => {
    expect(www(edgeRequest("https://changelog.com/"))).toBeNull();
    expect(www(edgeRequest("https://wwwchangelog.com/"))).toBeNull();
    expect(www(edgeRequest("https://api.www.changelog.com/"))).toBeNull();
  });

  it("never redirects to a bare top-level domain or an invalid host", () => {
    expect(hostWithoutWww("www.com")).toBeNull();
    expect(hostWithoutWww("www.")).toBeNull();
    expect(hostWithoutWww("www.a b.com")).toBeNull();
    expect(hostWithoutWww("www.evil.com/@x")).toBeNull();
    expect(hostWithoutWww("www.changelog.com")).toBe("changelog.com");
  });

  it("is an alias only of the edge's own names: other www hosts are not redirected anywhere", () => {
    expect(hostWithoutWww("www.staging.changelog.com")).toBe("staging.changelog.com");
    expect(hostWithoutWww("www.www.changelog.com")).toBeNull();
    fc.assert(
      fc.property(anyDomain.filter((domain) => !isServedHost(domain)), (domain) => {
        expect(hostWithoutWww(`www.${domain}`)).toBeNull();
      }),
    );
  });
});
