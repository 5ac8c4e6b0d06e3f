// The retry budget: a share of the pool's recent requests, plus a reserve for quiet pools that
// refills at a steady pace and never allows a burst.
import { describe, expect, it } from "vitest";
import { RESERVE_BURST, RESERVE_PER_SECOND, RetryBudget, WINDOW_SECONDS } from "../../../src/proxy/budget";

function retriesAllowed(budget: RetryBudget, pool: string, percent: number, now: number): number {
  let n = 0;
  while (budget.tryRetry(pool, percent, now)) n += 1;
  return n;
}

describe("retry budget", () => {
  it("lets a quiet pool retry from the reserve, at most RESERVE_BURST at once", () => {
    const budget = new RetryBudget();
    expect(retriesAllowed(budget, "p", 20, 0)).toBe(RESERVE_BURST);
  });

  it("refills the reserve at RESERVE_PER_SECOND, up to RESERVE_BURST", () => {
    const budget = new RetryBudget();
    retriesAllowed(budget, "p", 0, 0);
    expect(retriesAllowed(budget, "p", 0, 100)).toBe(RESERVE_PER_SECOND / 10);
    expect(retriesAllowed(budget, "p", 0, 600)).toBe(RESERVE_PER_SECOND / 2);
    expect(retriesAllowed(budget, "p", 0, 60_000)).toBe(RESERVE_BURST);
  });

  it("allows budgetPercent of the window's requests on top of the reserve", () => {
    const budget = new RetryBudget();
    for (let i = 0; i < 1000; i++) budget.request("p", 500);
    expect(retriesAllowed(budget, "p", 20, 900)).toBe(200 + RESERVE_BURST);
  });

  it("keeps a storm where every request fails within budgetPercent plus the paced reserve", () => {
    const budget = new RetryBudget();
    let requests = 0;
    let retries = 0;
    // 30 s at 1,000 requests a second, each wanting one retry.
    for (let t = 0; t < 30_000; t++) {
      budget.request("p", t);
      requests += 1;
      if (budget.tryRetry("p", 20, t)) retries += 1;
    }
    expect(retries).toBeLessThanOrEqual(0.2 * requests + RESERVE_BURST + RESERVE_PER_SECOND * 30);
    expect(retries / requests).toBeGreaterThan(0.2);
  });

  it("forgets requests and retries older than the window", () => {
    const budget = new RetryBudget();
    for (let i = 0; i < 100; i++) budget.request("p", 0);
    expect(retriesAllowed(budget, "p", 10, 0)).toBe(10 + RESERVE_BURST);
    // The same requests still count inside the window; the reserve has refilled meanwhile.
    expect(retriesAllowed(budget, "p", 10, (WINDOW_SECONDS - 1) * 1000)).toBe(RESERVE_BURST);
    for (let i = 0; i < 100; i++) budget.request("p", WINDOW_SECONDS * 1000);
    expect(retriesAllowed(budget, "p", 10, WINDOW_SECONDS * 1000)).toBe(10 + RESERVE_PER_SECOND);
  });

  it("keeps one budget per pool", () => {
    const budget = new RetryBudget();
    expect(retriesAllowed(budget, "a", 0, 0)).toBe(RESERVE_BURST);
    expect(budget.tryRetry("b", 0, 0)).toBe(true);
  });
});
