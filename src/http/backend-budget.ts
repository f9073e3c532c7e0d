// The backend requests one execution may still make (Compute allows 32: src/config/limits.ts).
// Every origin request of a client request takes one from the same budget (retries, repairs and
// background refreshes included), so the program never makes the request Fastly would refuse,
// and work that is only worth doing with room to spare (opening segments ahead, repairing a
// broken copy) asks first whether it fits. Pure: one instance per execution.

export class BackendBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  /** Takes one request; false when the execution has none left, and nothing is taken. */
  take(): boolean {
    if (this.used >= this.limit) return false;
    this.used++;
    return true;
  }

  /** Requests taken so far. */
  get spent(): number {
    return this.used;
  }

  get left(): number {
    return this.limit - this.used;
  }

  /** Whether `requests` more fit while `reserve` stay for what must still be possible after them. */
  allows(requests: number, reserve = 0): boolean {
    return this.left - reserve >= requests;
  }
}

/** Thrown instead of making a backend request the execution has no budget left for. */
export class BackendBudgetSpent extends Error {
  constructor(limit: number) {
    super(`this execution has made its ${limit} backend requests`);
  }
}
