// Slow start's ramp: from a tenth of the weight to all of it over the window, never backwards,
// never more than the weight, in a few steps (so that a hash ring is rebuilt only a few times).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { effectiveWeight, MIN_SHARE, slowStartShare } from "../../../src/balancing/slow-start";

describe("slow start", () => {
  it("ramps from MIN_SHARE to the whole weight over the window, never down, in steps of 5 %", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3600 }),
        fc.array(fc.integer({ min: -10_000, max: 4_000_000 }), { minLength: 2, maxLength: 20 }),
        (seconds, offsets) => {
          const slowStart = { since: 1_000_000, seconds };
          const shares = [...offsets]
            .sort((a, b) => a - b)
            .map((o) => slowStartShare(slowStart, slowStart.since + o));
          for (let i = 1; i < shares.length; i++)
            expect(shares[i]).toBeGreaterThanOrEqual(shares[i - 1] as number);
          for (const share of shares) {
            expect(share).toBeGreaterThanOrEqual(MIN_SHARE);
            expect(share).toBeLessThanOrEqual(1);
            expect(Math.abs(share * 20 - Math.round(share * 20))).toBeLessThan(1e-9);
          }
        },
      ),
    );
  });

  it("is whole once the window has passed, and off without a window", () => {
    const slowStart = { since: 0, seconds: 30 };
    expect(slowStartShare(slowStart, 0)).toBe(MIN_SHARE);
    expect(slowStartShare(slowStart, 15_000)).toBeCloseTo(0.5);
    expect(slowStartShare(slowStart, 30_000)).toBe(1);
    expect(slowStartShare({ since: 0, seconds: 0 }, 0)).toBe(1);
    expect(effectiveWeight(4, undefined, 0)).toBe(4);
    expect(effectiveWeight(4, slowStart, 15_000)).toBeCloseTo(2);
  });
});
