// The circuit breaker as a pure state machine, driven by an explicit clock.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseGateway } from "../../../src/config/normalize";
import { circuitState, newCircuit, recordFailure, recordSuccess } from "../../../src/state/circuit";

function cfg(over: Record<string, unknown> = {}) {
  const r = parseGateway({
    pools: { p: { backends: [{ id: "a", url: "https://a.example" }], circuitBreaker: over } },
  });
  if (!r.ok) throw new Error(r.errors.join());
  return (r.config.pools.get("p") as NonNullable<ReturnType<typeof r.config.pools.get>>).circuitBreaker;
}

describe("circuit", () => {
  it("admits halfOpenRequests successes before closing", () => {
    const c = cfg({ consecutiveFailures: 1, openSeconds: 1, halfOpenRequests: 2 });
    const d = newCircuit();
    recordFailure(d, c, 0);
    expect(circuitState(d, 999)).toBe("open");
    expect(circuitState(d, 1000)).toBe("half-open");
    recordSuccess(d, c, 1000);
    expect(circuitState(d, 1001)).toBe("half-open");
    recordSuccess(d, c, 1002);
    expect(circuitState(d, 1003)).toBe("closed");
  });

  it("never opens while disabled", () => {
    const c = cfg({ enabled: false, consecutiveFailures: 1 });
    const d = newCircuit();
    for (let i = 0; i < 50; i++) recordFailure(d, c, i);
    expect(circuitState(d, 100)).toBe("closed");
  });

  it("opens after exactly consecutiveFailures failures in a row (any interleaving resets)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.boolean(), { maxLength: 60 }),
        (n, outcomes) => {
          const c = cfg({ consecutiveFailures: n, minRequests: 1000 });
          const d = newCircuit();
          let run = 0;
          let shouldOpen = false;
          for (const ok of outcomes) {
            if (ok) {
              recordSuccess(d, c, 1);
              run = 0;
            } else {
              recordFailure(d, c, 1);
              run += 1;
              if (run >= n) shouldOpen = true;
            }
            if (shouldOpen) break;
          }
          expect(circuitState(d, 1) === "open").toBe(shouldOpen);
        },
      ),
    );
  });
});
