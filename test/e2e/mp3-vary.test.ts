// An assets object the origin sends with `Vary` (RFC 9111 §4.1): its object entry is kept per
// variant of the named request headers, so a request with another value is not answered from a
// variant stored for the first; each variant is a hit afterwards. The segments are keyed by the
// object's version and shared. `Vary: *` is never stored: every request goes to the origin.

import { randomUUID } from "node:crypto";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { generatedBytes } from "../../scripts/origins/fixtures.js";
import { putObject } from "./support/buckets.js";
import { addOriginHeaders, clearOriginHeaders, originRequests, resetOrigins, send } from "./support/edge.js";

const host = "cdn.changelog.com";
const run = randomUUID().slice(0, 8);
const size = 300_000;
const seed = 1501;

beforeEach(resetOrigins);
afterAll(() => clearOriginHeaders("assets"));

async function variantAnswer(path: string, variant: string) {
  const res = await send(path, { host, headers: { range: "bytes=1000-1999", "x-variant": variant } });
  expect(res.status).toBe(206);
  expect(res.body.equals(Buffer.from(generatedBytes(seed, 1000, 2000)))).toBe(true);
  return { res, cacheStatus: String(res.headers["cache-status"]), asked: (await originRequests("assets")).length };
}

describe("Vary on the assets origin", () => {
  it("one object entry per variant: another value is asked of the origin, then each variant is a hit", async () => {
    const path = `/uploads/edge-tests/vary-${run}.mp3`;
    await addOriginHeaders("assets", { path, headers: { vary: "X-Variant" } });
    await putObject("assets", path, generatedBytes(seed, 0, size), { contentType: "audio/mpeg" });
    await resetOrigins();

    const a = await variantAnswer(path, "a");
    expect(a.cacheStatus).toMatch(/; fwd=uri-miss/);
    expect(a.res.headers.vary).toBe("X-Variant");
    expect(a.asked).toBe(1);
    await resetOrigins();

    const again = await variantAnswer(path, "a");
    expect(again.cacheStatus).toMatch(/^changelog-edge; hit; /);
    expect(again.asked).toBe(0);

    // Not the variant stored for "a": the object entry is looked up afresh (one origin request);
    // its segment, keyed by the same version, is already stored.
    const b = await variantAnswer(path, "b");
    expect(b.cacheStatus).toMatch(/; fwd=uri-miss/);
    expect(b.asked).toBe(1);
    await resetOrigins();

    for (const variant of ["a", "b"]) {
      const hit = await variantAnswer(path, variant);
      expect(hit.cacheStatus, variant).toMatch(/^changelog-edge; hit; /);
      expect(hit.asked, variant).toBe(0);
    }
  });

  it("Vary: * is never stored: each request is its own origin request", async () => {
    const path = `/uploads/edge-tests/vary-star-${run}.mp3`;
    await addOriginHeaders("assets", { path, headers: { vary: "*" } });
    await putObject("assets", path, generatedBytes(seed, 0, size), { contentType: "audio/mpeg" });
    await variantAnswer(path, "a");
    await resetOrigins();
    for (let i = 1; i <= 3; i++) {
      const res = await send(path, { host, headers: { range: "bytes=1000-1999" } });
      expect(res.status).toBe(206);
      expect(String(res.headers["cache-status"])).toMatch(/fwd=bypass/);
      expect((await originRequests("assets")).length).toBe(i);
    }
  });
});
