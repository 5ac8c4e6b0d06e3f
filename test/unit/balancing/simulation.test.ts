// A small traffic simulation in the spirit of Envoy's least_request simulation_test: three
// backends, one slow (50 ms against 5 ms), requests arriving every millisecond on a fake clock;
// each pick adds one in flight that completes after the backend's latency.
import { describe, expect, it } from "vitest";
import { createStrategy } from "../../../src/balancing";
import { updatePeakEwma } from "../../../src/balancing/peak-ewma";
import type { StrategyName } from "../../../src/config/normalize";
import { backend, seeded } from "./strategy.cases";

function simulate(name: StrategyName): number {
  const strategy = createStrategy(name);
  const latency: Record<string, number> = { fast1: 5, fast2: 5, slow: 50 };
  const list = Object.keys(latency).map((id) => backend(id));
  const ewma = new Map<string, { value: number; at: number }>();
  const completions: { at: number; id: string }[] = [];
  const random = seeded(123);
  let slow = 0;
  const requests = 3000;
  for (let now = 0; now < requests; now++) {
    for (let i = completions.length - 1; i >= 0; i--) {
      const done = completions[i] as { at: number; id: string };
      if (done.at > now) continue;
      completions.splice(i, 1);
      const c = list.find((b) => b.id === done.id);
      if (c) c.inflight -= 1;
      const e = updatePeakEwma(ewma.get(done.id), latency[done.id] as number, now);
      ewma.set(done.id, e);
    }
    for (const c of list) c.ewmaLatencyMs = ewma.get(c.id)?.value ?? 0;
    const chosen = strategy.pick(list, { now, random });
    if (!chosen) continue;
    chosen.inflight += 1;
    completions.push({ at: now + (latency[chosen.id] as number), id: chosen.id });
    if (chosen.id === "slow") slow += 1;
  }
  return slow / requests;
}

describe("simulation: one slow backend of three", () => {
  it("round-robin sends it a third", () => {
    expect(simulate("round-robin")).toBeCloseTo(1 / 3, 2);
  });
  it("least-connections sends it clearly less", () => {
    expect(simulate("least-connections")).toBeLessThan(0.2);
  });
  it("least-response-time sends it clearly less", () => {
    expect(simulate("least-response-time")).toBeLessThan(0.1);
  });
});
