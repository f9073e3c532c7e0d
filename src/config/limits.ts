// Fastly Compute's per-execution limits (https://docs.fastly.com/products/compute-resource-limits):
// what Fastly's network allows one execution of the program (one client request), and the lower
// ones of a trial account. Viceroy enforces none of them, so the e2e harness checks the ones it
// can measure (backend requests, wall time, CPU time) on every request the suite sends
// (test/e2e/support/limits.ts); code that must stay under a limit reads it from here.

/** Limits of a paid Compute service, per execution. */
export const computeLimits = {
  /** Backend requests one execution may make; the 33rd fails, so a cold 300 MB mp3 GET must fit. */
  backendRequests: 32,
  /** Wall-clock time an execution may run (2 minutes) before Fastly ends it mid-response. */
  runtimeMs: 120_000,
  /** CPU time an execution may use (50 ms); waiting on backends does not count, our own work does. */
  cpuMs: 50,
  /** Heap one execution may allocate (128 MB), so a body is streamed, never buffered whole. */
  heapBytes: 128 * 1024 * 1024,
  /** Largest object the cache stores (100 MB), why a 300 MB mp3 is stored in segments. */
  cachedObjectBytes: 100_000_000,
  /** Longest request URL Fastly accepts (8 KB); a longer one never reaches the program. */
  urlBytes: 8192,
} as const;

/** Limits of a trial account, lower than a paid service's; the rest are as in computeLimits. */
export const trialLimits = {
  /** Backend requests per execution on a trial account. */
  backendRequests: 10,
  /** Wall-clock time per execution on a trial account (1 minute). */
  runtimeMs: 60_000,
} as const;
