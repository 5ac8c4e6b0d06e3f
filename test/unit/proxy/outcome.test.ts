// What an attempt tells the breaker: only what shows the backend failing counts against it.
import { describe, expect, it } from "vitest";
import { circuitBreakerSchema } from "../../../src/config/schema";
import { outcomeOf } from "../../../src/proxy/outcome";
import { IsolateState } from "../../../src/state/isolate";

const breaker = circuitBreakerSchema.parse(undefined);

describe("attempt outcomes", () => {
  it("counts connection errors, timeouts and 502/503/504, not an application's own errors", () => {
    expect(outcomeOf({ kind: "response", status: 503 }, 5, breaker).ok).toBe(false);
    expect(outcomeOf({ kind: "response", status: 504 }, 5, breaker).ok).toBe(false);
    expect(outcomeOf({ kind: "timeout" }, 5, breaker).ok).toBe(false);
    expect(outcomeOf({ kind: "lost", message: "Network connection lost." }, 5, breaker).ok).toBe(false);
    expect(outcomeOf({ kind: "broken", message: "internal error" }, 5, breaker).ok).toBe(false);
    for (const status of [200, 404, 500, 501])
      expect(outcomeOf({ kind: "response", status }, 5, breaker).ok).toBe(true);
  });

  it("leaves an error raised before sending out of every count", () => {
    const state = new IsolateState();
    const backend = {
      id: "b",
      url: "http://b.example",
      weight: 1,
      owner: "p",
      healthCheck: undefined as never,
      circuitBreaker: { ...breaker, consecutiveFailures: 1 },
    };
    const outcome = outcomeOf({ kind: "unsent", message: "bad request init" }, 1, breaker);
    expect(outcome.sent).toBe(false);
    for (let i = 0; i < 3; i++) state.end(backend, state.begin(backend, 0), outcome, 0);
    expect(state.view(backend, 0).circuit).toBe("closed");
    expect(state.entry("b")).toMatchObject({ requests: 0, failures: 0, inflight: 0 });
  });
});
