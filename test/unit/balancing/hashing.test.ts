import { describe, expect, it } from "vitest";
import { createConsistentHash, LOAD_FACTOR } from "../../../src/balancing/consistent-hash";
import { createIpHash } from "../../../src/balancing/ip-hash";
import { backend, runStrategyCases, seeded, share } from "./strategy.cases";

describe("ip-hash", () => {
  runStrategyCases(createIpHash, { hashed: true, weighted: true });
});

describe("consistent-hash", () => {
  runStrategyCases(createConsistentHash, { hashed: true, weighted: true });

  it("skips a backend at its load bound while another is under it", () => {
    const s = createConsistentHash();
    const random = seeded(1);
    // Whatever the key's home, a backend carrying 30 of 30 in flight is over 1.25 × its share.
    for (let k = 0; k < 200; k++) {
      const list = [backend("a", 1, 30), backend("b", 1, 0), backend("c", 1, 0)];
      expect(s.pick(list, { now: 0, random, key: `key-${k}` })?.id).not.toBe("a");
    }
  });

  it("spreads one hot key so that no backend passes ~1.25× its fair share", () => {
    const s = createConsistentHash();
    const list = ["a", "b", "c", "d"].map((id) => backend(id));
    const random = seeded(2);
    const total = 400;
    for (let i = 0; i < total; i++) {
      const c = s.pick(list, { now: 0, random, key: "the-hot-key" });
      if (c) c.inflight += 1;
    }
    const fair = total / list.length;
    for (const c of list) expect(c.inflight).toBeLessThanOrEqual(Math.ceil(LOAD_FACTOR * fair) + 1);
  });

  it("without a key, falls back to weighted random", () => {
    const s = createConsistentHash();
    const random = seeded(3);
    const list = [backend("a"), backend("b")];
    const picks = Array.from({ length: 1000 }, () => s.pick(list, { now: 0, random })?.id);
    expect(share(picks, "a")).toBeGreaterThan(0.4);
  });
});
