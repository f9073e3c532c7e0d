import { describe, expect, it } from "vitest";
import { computeLimits } from "../../../src/config/limits.js";
import { BackendBudget } from "../../../src/http/backend-budget.js";

describe("BackendBudget", () => {
  it("gives exactly the limit, then refuses without counting the refusals", () => {
    const budget = new BackendBudget(computeLimits.backendRequests);
    let taken = 0;
    for (let i = 0; i < 40; i++) if (budget.take()) taken++;
    expect(taken).toBe(32);
    expect(budget.spent).toBe(32);
    expect(budget.left).toBe(0);
    expect(budget.take()).toBe(false);
  });

  it("allows work only with its reserve left over", () => {
    const budget = new BackendBudget(5);
    budget.take();
    budget.take();
    expect(budget.allows(3)).toBe(true);
    expect(budget.allows(3, 1)).toBe(false);
    expect(budget.allows(2, 1)).toBe(true);
  });
});
