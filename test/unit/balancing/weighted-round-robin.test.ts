import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createWeightedRoundRobin } from "../../../src/balancing/weighted-round-robin";
import { backend, runStrategyCases, seeded } from "./strategy.cases";

describe("weighted-round-robin", () => {
  runStrategyCases(createWeightedRoundRobin, { weighted: true });

  it("produces nginx's smooth sequence for weights 5, 1, 1", () => {
    const s = createWeightedRoundRobin();
    const list = [backend("a", 5), backend("b", 1), backend("c", 1)];
    const picks = Array.from({ length: 7 }, () => s.pick(list, { now: 0, random: seeded(1) })?.id);
    expect(picks).toEqual(["a", "a", "b", "a", "c", "a", "a"]);
  });

  it("picks each backend exactly weight times in every window of sum(weights)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 4 }),
        (weights, windows) => {
          const s = createWeightedRoundRobin();
          const list = weights.map((w, i) => backend(`b${i}`, w));
          const total = weights.reduce((a, b) => a + b, 0);
          for (let w = 0; w < windows; w++) {
            const counts = new Map<string, number>();
            for (let i = 0; i < total; i++) {
              const id = s.pick(list, { now: 0, random: seeded(1) })?.id as string;
              counts.set(id, (counts.get(id) ?? 0) + 1);
            }
            list.forEach((c) => {
              expect(counts.get(c.id)).toBe(c.weight);
            });
          }
        },
      ),
    );
  });
});
