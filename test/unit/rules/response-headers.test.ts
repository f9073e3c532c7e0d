import { describe, expect, it } from "vitest";
import { everyResponseHeaders } from "../../../src/http/response-headers.js";

const hsts = { "strict-transport-security": "max-age=31557600" };
const cors = { "access-control-allow-origin": "*" };

describe("headers on every response", () => {
  it("sends HSTS everywhere", () => {
    expect(everyResponseHeaders("app", "app")).toEqual(hsts);
    expect(everyResponseHeaders("app", undefined)).toEqual(hsts);
  });

  it("allows every origin on assets-host and nightly responses, edge answers included", () => {
    for (const origin of ["assets", "nightly", undefined] as const) {
      expect(everyResponseHeaders("assets", origin)).toEqual({ ...hsts, ...cors });
      expect(everyResponseHeaders("nightly", origin)).toEqual({ ...hsts, ...cors });
    }
  });

  it("allows every origin on feeds, as the VCL service did, and leaves app pages to the app", () => {
    expect(everyResponseHeaders("app", "feeds")).toEqual({ ...hsts, ...cors });
    expect(everyResponseHeaders("app", "app")).not.toHaveProperty("access-control-allow-origin");
  });
});
