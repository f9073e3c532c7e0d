import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { originSurrogateKeys, urlSurrogateKey } from "../../src/cache/surrogate-keys.js";

describe("surrogate keys", () => {
  it("is the readable host and path for ordinary URLs, lower-casing the host", () => {
    expect(urlSurrogateKey("CDN.changelog.com", "/uploads/a.mp3")).toBe("cdn.changelog.com/uploads/a.mp3");
  });

  it("hashes long or non-ASCII URLs into a stable printable key", () => {
    const long = `/${"x".repeat(400)}`;
    expect(urlSurrogateKey("changelog.com", long)).toMatch(/^url-[0-9a-f]{16}$/);
    expect(urlSurrogateKey("changelog.com", long)).toBe(urlSurrogateKey("changelog.com", long));
    expect(urlSurrogateKey("changelog.com", "/café")).toMatch(/^url-[0-9a-f]{16}$/);
  });

  it("always gives a key Fastly accepts", () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ maxLength: 2000 }), (host, path) => {
        const key = urlSurrogateKey(host || "h", `/${path}`);
        expect(key).toMatch(/^[\x21-\x7e]{1,1024}$/);
      }),
    );
  });

  it("keeps only valid keys from an origin's Surrogate-Key header", () => {
    expect(originSurrogateKeys("  a  b\tc ")).toEqual(["a", "b", "c"]);
    expect(originSurrogateKeys(null)).toEqual([]);
    expect(originSurrogateKeys(`ok ${"k".repeat(1025)} é`)).toEqual(["ok"]);
  });
});
