import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createLeastConnections } from "../../../src/balancing/least-connections";
import { createWeightedLeastConnections } from "../../../src/balancing/weighted-least-connections";
import { backend, runStrategyCases, seeded, share } from "./strategy.cases";

const ctx = { now: 0, random: seeded(1) };

describe("least-connections", () => {
  runStrategyCases(createLeastConnections, { weighted: true });

  it("always returns a candidate with the fewest requests in flight per unit of weight", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 5 })), {
          minLength: 1,
          maxLength: 10,
        }),
        (loads) => {
          const list = loads.map(([inflight, weight], i) => backend(`b${i}`, weight, inflight));
          const chosen = createLeastConnections().pick(list, ctx);
          const least = Math.min(...list.map((c) => c.inflight / c.weight));
          expect((chosen?.inflight ?? -1) / (chosen?.weight ?? 1)).toBe(least);
        },
      ),
    );
  });

  it("takes turns among backends tied on load rather than always taking the first", () => {
    const s = createLeastConnections();
    const list = [backend("a", 1, 2), backend("b", 1, 2), backend("c", 1, 9)];
    const picks = Array.from({ length: 1000 }, () => s.pick(list, ctx)?.id);
    expect(share(picks, "a")).toBe(0.5);
    expect(share(picks, "b")).toBe(0.5);
    expect(share(picks, "c")).toBe(0);
  });

  it("sends sequential requests (nothing in flight) by weight, not all to the heaviest", () => {
    const s = createLeastConnections();
    const list = [backend("big", 3), backend("small", 1)];
    const picks = Array.from({ length: 40 }, () => s.pick(list, ctx)?.id);
    expect(share(picks, "big")).toBe(0.75);
  });

  it("fills backends in proportion to weight as requests pile up", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 5 }), (weights) => {
        const s = createLeastConnections();
        const list = weights.map((w, i) => backend(`b${i}`, w));
        const total = weights.reduce((a, b) => a + b, 0);
        for (let i = 0; i < total * 4; i++) {
          const c = s.pick(list, ctx);
          if (c) c.inflight += 1;
        }
        for (const c of list) expect(c.inflight).toBe(c.weight * 4);
      }),
    );
  });
});

describe("weighted-least-connections", () => {
  runStrategyCases(createWeightedLeastConnections, { weighted: true });

  it("is least-connections under the name nginx, HAProxy and LVS users look for", () => {
    expect(createWeightedLeastConnections).toBe(createLeastConnections);
  });
});
