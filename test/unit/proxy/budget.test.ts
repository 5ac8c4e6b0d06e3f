// The retry budget: a share of the pool's recent requests, plus a reserve for quiet pools.
import { describe, expect, it } from "vitest";
import { MIN_RETRIES_PER_SECOND, RetryBudget, WINDOW_SECONDS } from "../../../src/proxy/budget";

const RESERVE = MIN_RETRIES_PER_SECOND * WINDOW_SECONDS;

function retriesAllowed(budget: RetryBudget, pool: string, percent: number, now: number): number {
  let n = 0;
  while (budget.tryRetry(pool, percent, now)) n += 1;
  return n;
}

describe("retry budget", () => {
  it("lets a quiet pool retry up to the reserve", () => {
    const budget = new RetryBudget();
    expect(retriesAllowed(budget, "p", 20, 0)).toBe(RESERVE);
  });

  it("allows budgetPercent of the window's requests on top of the reserve", () => {
    const budget = new RetryBudget();
    for (let i = 0; i < 1000; i++) budget.request("p", 500);
    expect(retriesAllowed(budget, "p", 20, 900)).toBe(200 + RESERVE);
  });

  it("caps a storm where every request fails at about budgetPercent", () => {
    const budget = new RetryBudget();
    let requests = 0;
    let retries = 0;
    // 30 s at 1,000 requests a second, each wanting one retry.
    for (let t = 0; t < 30_000; t++) {
      budget.request("p", t);
      requests += 1;
      if (budget.tryRetry("p", 20, t)) retries += 1;
    }
    expect(retries / requests).toBeGreaterThan(0.2);
    expect(retries / requests).toBeLessThan(0.25);
  });

  it("forgets requests and retries older than the window", () => {
    const budget = new RetryBudget();
    expect(retriesAllowed(budget, "p", 0, 0)).toBe(RESERVE);
    expect(budget.tryRetry("p", 0, (WINDOW_SECONDS - 1) * 1000)).toBe(false);
    expect(retriesAllowed(budget, "p", 0, WINDOW_SECONDS * 1000)).toBe(RESERVE);
  });

  it("keeps one budget per pool", () => {
    const budget = new RetryBudget();
    expect(retriesAllowed(budget, "a", 0, 0)).toBe(RESERVE);
    expect(budget.tryRetry("b", 0, 0)).toBe(true);
  });
});
