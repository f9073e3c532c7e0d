// Which answers came from the shield rather than from an origin: marked where the request is
// made (src/edge/origin-fetch.ts), asked where a retry is decided (src/engine/origin-retry.ts).
// Apart from origin-fetch.ts, which imports `fastly:*`, so the retry and the cache engine on top
// of it load in Node with a fake origin (test/unit/engine/).

const shieldAnswers = new WeakSet<Response>();

export function markFromShield(response: Response): void {
  shieldAnswers.add(response);
}

/** Whether `response` is the shield's answer, which is never retried: the shield retried already. */
export function fromShield(response: Response): boolean {
  return shieldAnswers.has(response);
}
