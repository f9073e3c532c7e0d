// Latency and requests/s of one small asset at a fixed concurrency (autocannon), for the edge
// (from its cache) and the pass-through (from the origin every time).

import autocannon from "autocannon";
import { assetsHost, clientGet, type BenchEdge } from "./measure.js";

export interface LoadFigures {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requestsPerSecond: number;
  readonly requests: number;
  /** Errors, timeouts and answers other than 200. */
  readonly failed: number;
}

export async function smallAssetLoad(edge: BenchEdge, path: string, connections: number, seconds: number): Promise<LoadFigures> {
  // Once first, so that the edge's figures are of a cached object.
  const first = await clientGet(edge.base, path);
  if (first.status !== 200) throw new Error(`GET ${path}: ${first.status}`);
  edge.recording = false;
  try {
    const result = await autocannon({
      url: edge.base,
      connections,
      duration: seconds,
      timeout: 20,
      requests: [{ method: "GET", path, headers: { host: assetsHost, "user-agent": "changelog-edge-bench" } }],
    });
    const ok = result.statusCodeStats["200"]?.count ?? 0;
    return {
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      requestsPerSecond: ok / result.duration,
      requests: result.requests.total,
      failed: result.errors + result.timeouts + (result.requests.total - ok),
    };
  } finally {
    edge.recording = true;
  }
}
