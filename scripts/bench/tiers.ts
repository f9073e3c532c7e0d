// The bench's instruments on two tiers (scripts/local-edge.ts `startTwoTierEdge`): a POP, its
// shield, maybe a second POP, each a Viceroy whose output is kept, and one client request at a
// time measured at both tiers from the local origins' ledger (`BackendLedger`, every origin
// request by request id and by the tier that sent it):
//
// - the POP execution's backend requests: the ledger's "edge"-tier requests of the client's
//   request id, those to the counting front "shield" (scripts/origins/shield-front.ts) and any the
//   POP sent an origin itself (it does after failing to reach the shield);
// - each shield execution's: the POP passes its request id on, so the ledger's "shield"-tier
//   requests of that id are put down to the shield executions Viceroy logged by when they
//   arrived (as test/support/execution-limits.ts does for the e2e limits check). A POP that asks
//   the shield for two segments at once runs two shield executions at once; an R2 request inside
//   both is counted for both, so the figure is then a bound (`attributedExactly` says which).
//
// One request at a time, and the next only once every shield execution it caused has ended
// (the shield's waitUntil work outlives the POP's answer), so that every figure belongs to one
// client request.

import { requestEndpoint } from "../../src/config/log-endpoints.js";
import { loggedRequests, viceroyExecutions, type Execution } from "../../test/support/execution-limits.js";
import { freePort, startTwoTierEdge, type TwoTierEdge, type TwoTierInstance } from "../local-edge.js";
import type { BudgetCall } from "../origins/front.js";
import type { LocalOrigins } from "../origins/local-origins.js";
import { shieldOrigin } from "../origins/shield-front.js";
import { clientGet, type ClientOptions, type ClientResult } from "./measure.js";

/** What one client request at a POP cost each tier. */
export interface TierMeasured extends ClientResult {
  /** The POP execution's backend requests (waitUntil included): to the shield, and to origins directly. */
  readonly toShield: number;
  readonly popDirect: number;
  /** R2 (origin) requests of each shield execution it caused, in the order they started. */
  readonly shieldExecutions: readonly number[];
  /** False when an R2 request fell inside two shield executions at once (counted for both). */
  readonly attributedExactly: boolean;
  /** The shield tier's origin requests in all (each counted once). */
  readonly r2Requests: number;
}

/**
 * How far an origin request's arrival (the ledger's Date.now(), whole ms) may lie outside the
 * shield execution that sent it: Viceroy logs "handling request" before the guest runs and its
 * wall time after, µs timestamps against ms ones (as test/support/execution-limits.ts).
 */
const windowSlackMs = 5;

export class TwoTierBench {
  private readonly text: Record<TwoTierInstance, string> = { pop: "", shield: "", "pop-2": "" };
  private readonly partial: Record<TwoTierInstance, string> = { pop: "", shield: "", "pop-2": "" };
  private edge: TwoTierEdge | null = null;

  private constructor(private readonly origins: LocalOrigins) {}

  /** A fresh POP, shield and (with `secondPop`) a second POP: every cache empty. */
  static async start(origins: LocalOrigins, wasm: string, dir: string, secondPop: boolean): Promise<TwoTierBench> {
    const self = new TwoTierBench(origins);
    self.edge = await startTwoTierEdge({
      origins,
      dir,
      popAddr: `127.0.0.1:${await freePort()}`,
      shieldAddr: `127.0.0.1:${await freePort()}`,
      ...(secondPop ? { otherPopAddr: `127.0.0.1:${await freePort()}` } : {}),
      wasm,
      logs: true,
      logExecutions: true,
      onStdout: (instance, chunk) => self.take(instance, chunk),
    });
    return self;
  }

  stop(): Promise<void> {
    return this.edge?.stop() ?? Promise.resolve();
  }

  /** One GET at `at` ("pop", or "pop-2" when started with a second POP), alone, both tiers measured. */
  async one(at: "pop" | "pop-2", path: string, options: ClientOptions = {}): Promise<TierMeasured> {
    const edge = this.edge!;
    const pop = at === "pop" ? edge.pop : edge.otherPop;
    if (!pop) throw new Error(`no ${at} in this two-tier edge`);
    const from = { pop: this.text[at].length, shield: this.text.shield.length };
    const since = this.origins.ledger.report().seq;
    const client = await clientGet(pop.base, path, options);
    if (!client.requestId) throw new Error(`GET ${path} at ${at}: no X-Request-Id on the answer (status ${client.status})`);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const popOutput = this.text[at].slice(from.pop);
      const popDone = viceroyExecutions(popOutput).some((x) => x.uri.endsWith(path) && x.wallMs !== null);
      const popLine = loggedRequests(popOutput, requestEndpoint.name).some((l) => l.requestId === client.requestId);
      const report = this.origins.ledger.report(since);
      const shieldRuns = viceroyExecutions(this.text.shield.slice(from.shield));
      if (popDone && popLine) {
        const others = Object.keys(report.requests).filter((id) => id !== client.requestId);
        if (others.length > 0) {
          throw new Error(`GET ${path} at ${at}: origin requests of other request ids (${others.join(", ") || '""'}) while it ran: not one request at a time`);
        }
        const calls: readonly BudgetCall[] = report.requests[client.requestId]?.calls ?? [];
        const edgeCalls = calls.filter((c) => c.tier === "edge");
        const toShield = edgeCalls.filter((c) => c.origin === shieldOrigin).length;
        // Every request the POP sent the shield is one shield execution; wait for each to end.
        if (shieldRuns.length >= toShield && shieldRuns.every((x) => x.wallMs !== null)) {
          if (shieldRuns.length !== toShield) {
            throw new Error(`GET ${path} at ${at}: ${toShield} requests to the shield but ${shieldRuns.length} shield executions: the figures could not be put down to executions`);
          }
          return { ...client, toShield, popDirect: edgeCalls.length - toShield, ...attribute(calls.filter((c) => c.tier === "shield"), shieldRuns, path) };
        }
      }
      if (Date.now() > deadline) {
        throw new Error(
          `GET ${path} at ${at}: within 60 s, ${popDone ? "" : "no finished POP execution, "}${popLine ? "" : "no POP request-log line, "}` +
            `${shieldRuns.filter((x) => x.wallMs === null).length} shield execution(s) unfinished (request id ${client.requestId})`,
        );
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private take(instance: TwoTierInstance, chunk: Buffer): void {
    const text = this.partial[instance] + chunk.toString("utf8");
    const end = text.lastIndexOf("\n");
    this.partial[instance] = end === -1 ? text : text.slice(end + 1);
    if (end !== -1) this.text[instance] += text.slice(0, end + 1);
  }
}

/** The shield tier's origin requests put down to the shield executions running when each arrived. */
function attribute(calls: readonly BudgetCall[], runs: readonly Execution[], path: string): Pick<TierMeasured, "shieldExecutions" | "attributedExactly" | "r2Requests"> {
  const windows = runs.map((x) => ({ from: x.startedAt - windowSlackMs, to: x.startedAt + (x.wallMs ?? 0) + windowSlackMs }));
  if (windows.some((w) => Number.isNaN(w.from) || Number.isNaN(w.to))) throw new Error(`GET ${path}: a shield execution's start or wall time could not be read`);
  const counts = windows.map(() => 0);
  let exactly = true;
  for (const c of calls) {
    const during = windows.flatMap((w, i) => (c.at >= w.from && c.at <= w.to ? [i] : []));
    if (during.length === 0) throw new Error(`GET ${path}: a shield-tier ${c.origin} request at ${c.at} during no shield execution`);
    if (during.length > 1) exactly = false;
    for (const i of during) counts[i]! += 1;
  }
  return { shieldExecutions: counts, attributedExactly: exactly, r2Requests: calls.length };
}
