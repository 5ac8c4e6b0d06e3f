import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createLeastConnections } from "../../../src/balancing/least-connections";
import { createWeightedLeastConnections } from "../../../src/balancing/weighted-least-connections";
import { backend, runStrategyCases, seeded, share } from "./strategy.cases";

describe("least-connections", () => {
  runStrategyCases(createLeastConnections);

  it("always returns a candidate with the fewest requests in flight", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 10 }),
        fc.integer(),
        (loads, seed) => {
          const list = loads.map((l, i) => backend(`b${i}`, 1, l));
          const chosen = createLeastConnections().pick(list, { now: 0, random: seeded(seed) });
          expect(chosen?.inflight).toBe(Math.min(...loads));
        },
      ),
    );
  });

  it("breaks ties at random rather than always taking the first", () => {
    const s = createLeastConnections();
    const list = [backend("a", 1, 2), backend("b", 1, 2), backend("c", 1, 9)];
    const random = seeded(5);
    const picks = Array.from({ length: 1000 }, () => s.pick(list, { now: 0, random })?.id);
    expect(share(picks, "a")).toBeGreaterThan(0.4);
    expect(share(picks, "b")).toBeGreaterThan(0.4);
    expect(share(picks, "c")).toBe(0);
  });
});

describe("weighted-least-connections", () => {
  runStrategyCases(createWeightedLeastConnections);

  it("fills backends in proportion to weight as requests pile up", () => {
    const s = createWeightedLeastConnections();
    const list = [backend("big", 3), backend("small", 1)];
    const random = seeded(9);
    for (let i = 0; i < 40; i++) {
      const c = s.pick(list, { now: 0, random });
      if (c) c.inflight += 1;
    }
    expect(list[0]?.inflight).toBe(30);
    expect(list[1]?.inflight).toBe(10);
  });
});
