// The shared rule table (test/shared/request-rules.ts) through the built wasm under Viceroy:
// the same requests the unit suite decides on, checked by what the client gets back and what
// each origin received.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { originNames } from "../../src/config/origins.js";
import { redirectHtml } from "../../src/http/redirect.js";
import { cold, purgeWarmed } from "../shared/cold-cache.js";
import { ruleCases } from "../shared/request-rules.js";
import { originRequests, resetOrigins, send } from "./support/edge.js";

beforeEach(resetOrigins);
afterEach(purgeWarmed);

async function requestsByOrigin(): Promise<Record<string, string[]>> {
  const seen: Record<string, string[]> = {};
  for (const origin of originNames) seen[origin] = (await originRequests(origin)).map((r) => r.url);
  return seen;
}

const nothing = Object.fromEntries(originNames.map((o) => [o, [] as string[]]));

describe("the request rules, end to end", () => {
  for (const c of ruleCases) {
    const want = c.expect;
    // WebSocket handoffs need a real handshake: rules-websocket.test.ts.
    if ("websocket" in want) continue;
    it(`rule ${c.rule}: ${c.name}`, async () => {
      if ("origin" in want && !want.pass) await cold(c.host, c.path);
      const res = await send(c.path, { method: c.method ?? "GET", host: c.host, headers: { ...c.headers } });
      if ("answer" in want) {
        expect(res.status).toBe(want.answer);
        expect(res.headers).toMatchObject(want.headers ?? {});
        if (want.body === "empty") expect(res.body.length).toBe(0);
        if (want.body === "html") expect(res.text()).toBe(redirectHtml(String(res.headers.location)));
        expect(await requestsByOrigin()).toEqual(nothing);
      } else if ("origin" in want) {
        // Reached that origin only, and only for that path (once, or in segments for big objects).
        const seen = await requestsByOrigin();
        expect(seen[want.origin]!.length).toBeGreaterThan(0);
        expect(seen).toEqual({ ...nothing, [want.origin]: seen[want.origin]!.map(() => want.path) });
        // A rule's pass says so in Cache-Status; otherwise no rule kept it out of the cache.
        const cacheStatus = String(res.headers["cache-status"]);
        const passedBecause = /fwd=bypass;.*detail="[^"]*\b(cookie|method)\b/.exec(cacheStatus)?.[1];
        expect(passedBecause).toBe(want.pass);
        expect(cacheStatus).toContain(`origin=${want.origin}`);
      } else {
        // A PURGE is answered by the edge; without the token it is refused (spec rule 4).
        expect(res.status).toBe(401);
        expect(await requestsByOrigin()).toEqual(nothing);
      }
    });
  }
});
