import { describe, expect, it } from "vitest";
import { createRoundRobin } from "../../../src/balancing/round-robin";
import { backend, runStrategyCases, seeded } from "./strategy.cases";

describe("round-robin", () => {
  runStrategyCases(createRoundRobin, { weighted: true });

  it("rotates in order over equal backends", () => {
    const s = createRoundRobin();
    const list = [backend("a"), backend("b"), backend("c")];
    const picks = Array.from({ length: 6 }, () => s.pick(list, { now: 0, random: seeded(1) })?.id);
    expect(picks).toEqual(["a", "b", "c", "a", "b", "c"]);
  });
});
