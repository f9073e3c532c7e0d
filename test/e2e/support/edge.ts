// How end-to-end tests talk to the edge and its origins: raw HTTP/1.1 requests with any Host,
// method and headers (fetch would refuse some), and the origins' control server.

import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { inject } from "vitest";
import type { BudgetReport, Fault, HeaderRule, RecordedRequest } from "../../../scripts/origins/front.js";

export interface EdgeResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  text(): string;
}

export interface EdgeRequestOptions {
  readonly method?: string;
  readonly host?: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string | Buffer;
  /** Source address on loopback (127.0.0.x): selects a local geolocation entry. */
  readonly from?: string;
  /** Another instance to send it to (two tiers: `edge().otherPop.base`); the edge's base if unset. */
  readonly base?: string;
}

export function edge(): ReturnType<typeof inject<"edge">> {
  return inject("edge");
}

/** Sends one request to the edge; `host` defaults to changelog.com. */
export function send(path: string, options: EdgeRequestOptions = {}): Promise<EdgeResponse> {
  const base = new URL(options.base ?? edge().base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        path,
        method: options.method ?? "GET",
        headers: { host: options.host ?? "changelog.com", ...options.headers },
        localAddress: options.from,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: () => body.toString("utf8") });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

async function control(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${edge().control}${path}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status}`);
  return res.json();
}

/** The requests an origin received since the last reset. */
export async function originRequests(origin: string): Promise<RecordedRequest[]> {
  const all = (await control("GET", `/requests/${origin}`)) as Record<string, RecordedRequest[]>;
  return all[origin] ?? [];
}

/**
 * Origin requests by edge request id, across every origin, after the ledger position `since`
 * (0: the whole run). Unlike `originRequests`, never reset; the limits check reads it.
 */
export async function originBudget(since = 0): Promise<BudgetReport> {
  return (await control("GET", `/budget?since=${since}`)) as BudgetReport;
}

export async function resetOrigins(): Promise<void> {
  await control("DELETE", "/requests");
  await control("DELETE", "/faults");
}

export async function injectFault(origin: string, fault: Fault): Promise<void> {
  await control("POST", `/faults/${origin}`, fault);
}

/** Makes `origin` add `rule.headers` to its answers for paths under `rule.path` (HeaderRule). */
export async function addOriginHeaders(origin: string, rule: HeaderRule): Promise<void> {
  await control("POST", `/headers/${origin}`, rule);
}

/** Drops every header rule of `origin` (of every origin when none is named). */
export async function clearOriginHeaders(origin?: string): Promise<void> {
  await control("DELETE", origin ? `/headers/${origin}` : "/headers");
}
