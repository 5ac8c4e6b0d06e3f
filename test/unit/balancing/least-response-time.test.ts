import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createLeastResponseTime } from "../../../src/balancing/least-response-time";
import { updatePeakEwma } from "../../../src/balancing/peak-ewma";
import { createRandom } from "../../../src/balancing/random";
import { backend, runStrategyCases, seeded, share } from "./strategy.cases";

describe("least-response-time", () => {
  runStrategyCases(createLeastResponseTime, { weighted: true });

  it("sends far less than 1/n to a backend ten times slower", () => {
    const s = createLeastResponseTime();
    const list = [backend("a", 1, 0, 10), backend("b", 1, 0, 10), backend("slow", 1, 0, 100)];
    const random = seeded(11);
    const picks = Array.from({ length: 10_000 }, () => s.pick(list, { now: 0, random })?.id);
    // Power of two choices: the slow one wins only when both samples are it, which cannot happen.
    expect(share(picks, "slow")).toBe(0);
  });

  it("never picks the worse of two candidates", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer(),
        (la, lb, seed) => {
          fc.pre(la !== lb);
          const list = [backend("a", 1, 0, la), backend("b", 1, 0, lb)];
          const chosen = createLeastResponseTime().pick(list, { now: 0, random: seeded(seed) });
          expect(chosen?.id).toBe(la < lb ? "a" : "b");
        },
      ),
    );
  });
});

describe("peak EWMA", () => {
  it("jumps to a higher sample at once and decays toward lower ones over time", () => {
    let e = updatePeakEwma(undefined, 10, 0);
    expect(e.value).toBe(10);
    e = updatePeakEwma(e, 200, 1);
    expect(e.value).toBe(200);
    const soon = updatePeakEwma(e, 10, 2);
    const later = updatePeakEwma(e, 10, 30_001);
    expect(soon.value).toBeGreaterThan(150);
    expect(later.value).toBeLessThan(30);
    expect(later.value).toBeGreaterThan(10);
  });
});

describe("random", () => {
  runStrategyCases(createRandom, { weighted: true });
});
