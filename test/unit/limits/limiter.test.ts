// The isolate's limiter in front of a Limits object: a spent budget is refused locally for a
// moment (a client retrying in a loop does not make one object call per request), and this
// isolate's own settlements end that at once.
import { describe, expect, it } from "vitest";
import { BUDGET_RECHECK_MS, Limiter, type LimitsNamespace } from "../../../src/limits/limiter";
import { type Admission, admit, newSubject, settle } from "../../../src/limits/subject-book";
import { ManualClock } from "../../support/manual-clock";

function oneObject(clock: ManualClock) {
  const state = newSubject();
  let calls = 0;
  const ns = {
    idFromName: (name: string) => ({ name }) as unknown as DurableObjectId,
    get: () => ({
      lease: async () => {
        throw new Error("not used");
      },
      admit: async (a: Admission) => {
        calls += 1;
        return admit(state, a, clock.now());
      },
      settle: async (items: Parameters<typeof settle>[1]) => {
        calls += 1;
        return settle(state, items, clock.now());
      },
    }),
  } as LimitsNamespace;
  return {
    ns,
    get calls() {
      return calls;
    },
  };
}

const budget = (reserveUsd: number) => ({ usd: 1, period: "month" as const, reserveUsd });

describe("a spent budget", () => {
  it("is refused without a call for a second, then asked again; a settlement ends it at once", async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 6));
    const limiter = new Limiter(clock, () => "iso");
    const obj = oneObject(clock);
    const first = await limiter.admit(obj.ns, "c", { id: "r1", ttlMs: 60_000, budget: budget(0.9) });
    expect(first.ok).toBe(true);
    expect((await limiter.admit(obj.ns, "c", { id: "r2", ttlMs: 60_000, budget: budget(0.5) })).ok).toBe(
      false,
    );
    const calls = obj.calls;
    for (let i = 0; i < 10; i++)
      expect((await limiter.admit(obj.ns, "c", { id: `x${i}`, ttlMs: 60_000, budget: budget(0.5) })).ok).toBe(
        false,
      );
    expect(obj.calls).toBe(calls);
    // Less than what was left still asks (it fits).
    expect((await limiter.admit(obj.ns, "c", { id: "small", ttlMs: 60_000, budget: budget(0.05) })).ok).toBe(
      true,
    );
    clock.advance(BUDGET_RECHECK_MS);
    await limiter.admit(obj.ns, "c", { id: "r3", ttlMs: 60_000, budget: budget(0.5) });
    expect(obj.calls).toBe(calls + 2);
    // r1 settles at $0.10: its reservation is freed, and the next admission asks at once.
    const background: Promise<unknown>[] = [];
    limiter.settle(obj.ns, "c", { id: "r1", costUsd: 0.1, budget: { usd: 1, period: "month" } }, (p) =>
      background.push(p),
    );
    await Promise.all(background);
    expect((await limiter.admit(obj.ns, "c", { id: "r4", ttlMs: 60_000, budget: budget(0.5) })).ok).toBe(
      true,
    );
  });
});
