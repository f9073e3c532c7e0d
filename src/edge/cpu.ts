// The vCPU time of the running execution, for its request-log line (`cpu_ms`): Fastly ends an
// execution at 50 ms of CPU (src/config/limits.ts), and the e2e harness checks the figure.

import { vCpuTime } from "fastly:compute";

/** vCPU milliseconds this execution has used so far, or null when the platform cannot say. */
export function readCpu(): number | null {
  try {
    const ms = vCpuTime();
    return Number.isFinite(ms) ? ms : null;
  } catch {
    return null;
  }
}
