import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { httpsUrl, redirect, redirectHtml } from "../../../src/http/redirect.js";
import { anyText } from "./arbitraries.js";

describe("redirect answers", () => {
  it("writes an https URL from a host and a path with its query", () => {
    expect(httpsUrl("changelog.com", "/a?b=c")).toBe("https://changelog.com/a?b=c");
    expect(httpsUrl("changelog.com", "")).toBe("https://changelog.com/");
  });

  it("percent-encodes anything that is not visible ASCII, and never throws", () => {
    expect(httpsUrl("changelog.com", "/a b\r\nc")).toBe("https://changelog.com/a%20b%0D%0Ac");
    expect(httpsUrl("changelog.com", "/é")).toBe("https://changelog.com/%C3%A9");
    expect(httpsUrl("changelog.com", "/\ud800")).toBe("https://changelog.com/%EF%BF%BD");
    fc.assert(
      fc.property(anyText(), (path) => {
        expect(httpsUrl("changelog.com", path)).toMatch(/^https:\/\/changelog\.com\/[\x21-\x7e]*$/);
      }),
    );
  });

  it("escapes the link in the HTML body", () => {
    expect(redirectHtml('https://x.test/?a=1&b="2"<')).toBe(
      '<html><body>You are being <a href="https://x.test/?a=1&amp;b=&quot;2&quot;&lt;">redirected</a>.</body></html>\n',
    );
  });

  it("has an empty body unless asked for the HTML one", () => {
    expect(redirect(301, "https://a.test/", "r")).toMatchObject({ body: "", headers: { location: "https://a.test/" } });
    expect(redirect(302, "https://a.test/", "r", "html")).toMatchObject({
      headers: { "content-type": "text/html; charset=utf-8" },
    });
  });
});
