// The properties every balancing strategy must have, in one suite that each strategy's own test
// file calls (the pattern of hono's router/common.case.test.ts). Randomness is seeded by
// fast-check or by a small deterministic generator, never Math.random.
import fc from "fast-check";
import { expect, it } from "vitest";
import { effectiveWeight } from "../../../src/balancing/slow-start";
import type { Candidate, PickContext, Strategy } from "../../../src/balancing/types";

export interface CaseOptions {
  /** The strategy spreads by key (ip-hash, consistent-hash): fairness is measured over keys. */
  hashed?: boolean;
  /** The strategy honours weights in its distribution. */
  weighted?: boolean;
}

/** A seeded uniform generator (mulberry32), so distribution tests are repeatable. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const backend = (id: string, weight = 1, inflight = 0, ewmaLatencyMs = 0): Candidate => ({
  id,
  weight,
  inflight,
  ewmaLatencyMs,
});

const candidatesArb = fc
  .uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/), { minLength: 1, maxLength: 8 })
  .chain((ids) =>
    fc.tuple(
      ...ids.map((id) =>
        fc.record({
          id: fc.constant(id),
          weight: fc.integer({ min: 1, max: 5 }),
          inflight: fc.integer({ min: 0, max: 20 }),
          ewmaLatencyMs: fc.integer({ min: 0, max: 500 }),
        }),
      ),
    ),
  );

export function share(picks: (string | undefined)[], id: string): number {
  return picks.filter((p) => p === id).length / picks.length;
}

export function runStrategyCases(create: () => Strategy, options: CaseOptions = {}): void {
  const ctx = (random: () => number, key?: string): PickContext => ({ now: 0, random, key });

  it("returns undefined for no candidates", () => {
    expect(create().pick([], ctx(seeded(1), "k"))).toBeUndefined();
  });

  it("always returns one of the candidates, even as the list changes between calls", () => {
    fc.assert(
      fc.property(fc.array(candidatesArb, { minLength: 1, maxLength: 10 }), fc.integer(), (lists, seed) => {
        const strategy = create();
        const random = seeded(seed);
        lists.forEach((list, i) => {
          const chosen = strategy.pick(list, ctx(random, `key-${i}`));
          expect(list).toContain(chosen);
        });
      }),
    );
  });

  it("always picks a single candidate", () => {
    fc.assert(
      fc.property(candidatesArb, fc.string(), (list, key) => {
        const only = list[0] as Candidate;
        expect(create().pick([only], ctx(seeded(3), key))).toBe(only);
      }),
    );
  });

  it("gives equal backends a fair share", () => {
    const strategy = create();
    const list = ["a", "b", "c", "d"].map((id) => backend(id));
    const random = seeded(42);
    const picks = Array.from({ length: 4000 }, (_, i) => strategy.pick(list, ctx(random, `client-${i}`))?.id);
    for (const id of ["a", "b", "c", "d"]) {
      expect(share(picks, id)).toBeGreaterThan(0.2);
      expect(share(picks, id)).toBeLessThan(0.3);
    }
  });

  if (options.weighted) {
    it("respects weights: 3 to 1 is about 75% to 25%", () => {
      const strategy = create();
      const list = [backend("heavy", 3), backend("light", 1)];
      const random = seeded(7);
      const picks = Array.from({ length: 4000 }, (_, i) => strategy.pick(list, ctx(random, `k${i}`))?.id);
      expect(share(picks, "heavy")).toBeGreaterThan(0.7);
      expect(share(picks, "heavy")).toBeLessThan(0.8);
    });

    it("gives a backend in slow start a share that grows with its ramp", () => {
      // One newcomer beside three equals, at 10 %, 50 % and the whole of its 30 s window.
      const slowStart = { since: 0, seconds: 30 };
      for (const [at, ramp] of [
        [0, 0.1],
        [15_000, 0.5],
        [30_000, 1],
      ] as const) {
        const strategy = create();
        const list = [
          backend("new", effectiveWeight(1, slowStart, at)),
          ...["a", "b", "c"].map((id) => backend(id)),
        ];
        const random = seeded(11);
        const picks = Array.from({ length: 4000 }, (_, i) => strategy.pick(list, ctx(random, `k${i}`))?.id);
        const expected = ramp / (ramp + 3);
        expect(Math.abs(share(picks, "new") - expected)).toBeLessThan(0.04);
      }
    });
  }

  if (options.hashed) {
    it("sends the same key to the same backend", () => {
      fc.assert(
        fc.property(candidatesArb, fc.string({ minLength: 1 }), (list, key) => {
          const loadFree = list.map((c) => ({ ...c, inflight: 0 }));
          const a = create().pick(loadFree, ctx(seeded(1), key));
          const b = create().pick(loadFree, ctx(seeded(2), key));
          expect(a?.id).toBe(b?.id);
        }),
      );
    });

    it("moves only the keys of a backend that leaves, and restores them when it returns", () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 3, max: 8 }),
          fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 20, maxLength: 80 }),
          fc.nat(),
          (n, keys, which) => {
            const strategy = create();
            const list = Array.from({ length: n }, (_, i) => backend(`b${i}`));
            const gone = list[which % n] as Candidate;
            const without = list.filter((c) => c !== gone);
            for (const key of keys) {
              const before = strategy.pick(list, ctx(seeded(1), key));
              const after = strategy.pick(without, ctx(seeded(1), key));
              if (before !== gone) expect(after).toBe(before);
              expect(strategy.pick(list, ctx(seeded(1), key))).toBe(before);
            }
          },
        ),
      );
    });
  }
}
