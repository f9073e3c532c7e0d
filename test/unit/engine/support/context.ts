// One edge for the asset engine's unit tests: a MemoryStore and its clock shared by every client
// request, the fake R2 (./asset-origin.ts), and a RequestContext per client request built as the
// shell builds it (src/edge/context.ts): the request parsed by edgeRequestFrom
// (test/unit/request.ts), its decision from the router (src/router.ts, so keys and surrogate keys
// are the real ones), a BackendBudget of Compute's 32, one tier. Work handed to `waitUntil` is
// collected; `settle()` awaits it, and whatever it started, until none is left. Origin requests
// are counted per client request (background work included, as it runs in the same execution).

import { expect } from "vitest";
import { MemoryStore } from "../../../../src/cache/memory-store.js";
import type { CacheOutcome } from "../../../../src/cache/outcome.js";
import type { TierState } from "../../../../src/cache/tiers.js";
import { computeLimits } from "../../../../src/config/limits.js";
import type { CachePlacement, ToOrigin } from "../../../../src/decision.js";
import type { RequestContext } from "../../../../src/engine/context.js";
import type { Served } from "../../../../src/engine/served.js";
import { serveAsset } from "../../../../src/engine/assets.js";
import { BackendBudget } from "../../../../src/http/backend-budget.js";
import { decide } from "../../../../src/router.js";
import { edgeRequest } from "../../request.js";
import { FakeR2 } from "./asset-origin.js";

export const assetsHost = "cdn.changelog.com";
export const MiB = 1024 * 1024;

export type AssetDecision = ToOrigin & { cache: CachePlacement };

export interface ClientRequest {
  readonly method?: string;
  readonly headers?: Record<string, string>;
}

export interface Execution {
  readonly index: number;
  readonly ctx: RequestContext;
  readonly decision: AssetDecision;
  readonly backends: BackendBudget;
  /** Backend requests the execution had spent before this request (other work of the execution). */
  readonly spentBefore: number;
}

export interface Answer {
  readonly execution: Execution;
  readonly served: Served;
  readonly status: number;
  readonly headers: Headers;
  readonly cache: CacheOutcome;
  /** The body as read (all of it, or as far as `read` said); empty when there is none. */
  readonly body: Uint8Array;
  /** The body stream failed before its end (a cut); the bytes before it are in `body`. */
  readonly error: unknown;
  /** Origin requests this client request has made so far (settle() first for background work). */
  originRequests(): number;
}

export interface ReadOptions {
  /** Stop reading after this many bytes and cancel the rest (a client hanging up). */
  readonly hangUpAfter?: number;
}

/** Reads a body to its end, or until `limit` bytes, keeping what came before an error. */
export async function readBody(stream: ReadableStream<Uint8Array> | null, limit = Number.POSITIVE_INFINITY): Promise<{ bytes: Uint8Array; error: unknown }> {
  if (!stream) return { bytes: new Uint8Array(0), error: null };
  const chunks: Uint8Array[] = [];
  let length = 0;
  let error: unknown = null;
  const reader = stream.getReader();
  try {
    while (length < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.byteLength;
    }
    if (length >= limit) await reader.cancel("client hung up");
  } catch (e) {
    error = e;
  }
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return { bytes: limit < length ? bytes.subarray(0, limit) : bytes, error };
}

export function assetUrl(path: string): string {
  return `https://${assetsHost}${path}`;
}

export class AssetEdge {
  /** Milliseconds, the store's clock. */
  now = Date.parse("2026-06-01T12:00:00Z");
  readonly store = new MemoryStore(() => this.now);
  /** How far attempts' Date.now() has been moved on by fake timeouts. */
  private skew = 0;
  readonly origin = new FakeR2((ms) => (this.skew += ms));
  readonly executions: Execution[] = [];
  private background: Promise<unknown>[] = [];
  private readonly realNow = Date.now.bind(Date);

  /** `tier`: every execution's tier (default one tier); a POP behind the shield, or the shield answering a POP. */
  constructor(private readonly tier: TierState = { role: "single", shieldDown: false, fromPop: false }) {
    // Only the fake origin's timeouts move it; the engine times each attempt with Date.now().
    Date.now = () => this.realNow() + this.skew;
  }

  /** Puts Date.now back (call in afterEach). */
  dispose(): void {
    Date.now = this.realNow;
  }

  advance(seconds: number): void {
    this.now += seconds * 1000;
  }

  /** The router's decision for a client request, as the shell takes it (src/edge/handler.ts). */
  decisionFor(path: string, request: ClientRequest = {}): AssetDecision {
    const decision = decide(edgeRequest(assetUrl(path), request));
    if (decision.kind !== "origin" || decision.origin !== "assets" || decision.cache === null) {
      throw new Error(`${path} is not a cacheable assets request: ${JSON.stringify(decision)}`);
    }
    return decision as AssetDecision;
  }

  /** The context of one client request. */
  context(path: string, request: ClientRequest = {}, spentBefore = 0): Execution {
    const index = this.executions.length;
    const req = edgeRequest(assetUrl(path), request);
    const backends = new BackendBudget(computeLimits.backendRequests);
    for (let i = 0; i < spentBefore; i++) backends.take();
    const tier = this.tier;
    const requestId = `unit-${index}`;
    const request0 = new Request(assetUrl(path), { method: req.method, headers: req.headers });
    const side = { req, requestId, backends, tier };
    const ctx: RequestContext = {
      event: { waitUntil: (work) => void this.background.push(work), request: request0 },
      req,
      requestId,
      startedAt: this.now,
      startedAtMonotonic: 0,
      servedBy: { pop: "unit", region: "unit", hostname: "unit" },
      headersComplete: true,
      backends,
      tier,
      store: this.store,
      origin: this.origin.clientFor(side, index),
    };
    const execution: Execution = { index, ctx, decision: this.decisionFor(path, request), backends, spentBefore };
    this.executions.push(execution);
    return execution;
  }

  /** Serves one client request and reads its body (or part of it). */
  async request(path: string, request: ClientRequest = {}, read: ReadOptions = {}): Promise<Answer> {
    const execution = this.context(path, request);
    const served = await serveAsset(execution.ctx, execution.decision);
    return this.finish(execution, served, read);
  }

  async finish(execution: Execution, served: Served, read: ReadOptions = {}): Promise<Answer> {
    const { bytes, error } = await readBody(served.response.body, read.hangUpAfter);
    return {
      execution,
      served,
      status: served.response.status,
      headers: served.response.headers,
      cache: served.cache,
      body: bytes,
      error,
      originRequests: () => this.origin.of(execution.index).length,
    };
  }

  /** Every waitUntil so far, and what they started in turn. */
  async settle(): Promise<void> {
    for (let rounds = 0; this.background.length > 0; rounds++) {
      if (rounds > 1000) throw new Error("background work keeps starting more");
      const running = this.background;
      this.background = [];
      await Promise.all(running);
    }
  }

  /** Origin requests made since `from` (an index into origin.requests). */
  requestsSince(from: number) {
    return this.origin.requests.slice(from);
  }

  /**
   * Once every body has been read or dropped and the background work has run, no cache handle
   * the engine took is left open (issue 12: close every handle once read or inserted).
   */
  async expectHandlesClosed(): Promise<void> {
    await this.settle();
    expect(this.store.openHandles(), "cache handles left open").toBe(0);
  }

  /** No client request made more origin requests than Compute allows, nor was refused one. */
  expectWithinBudget(): void {
    expect(this.origin.overBudget).toEqual([]);
    for (const execution of this.executions) {
      expect(execution.backends.spent, `client request ${execution.index}`).toBeLessThanOrEqual(computeLimits.backendRequests);
      expect(this.origin.of(execution.index).length + execution.spentBefore).toBe(execution.backends.spent);
    }
  }
}
