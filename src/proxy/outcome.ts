// What one attempt tells the circuit breaker about the backend (CONTRACT §2, circuitBreaker):
// connection errors, timeouts and the breaker's `failureStatuses` (502, 503, 504 by default)
// count as failures; any other answer, an application's own 500 or 404 included, shows the
// backend up and answering; an error raised before anything was sent says nothing about it. So a
// client cannot eject a healthy backend for everyone by sending requests that fail on their own.
import type { CircuitBreakerConfig } from "../config/normalize";
import type { Outcome } from "../state/types";

export type AttemptKind =
  | { kind: "response"; status: number }
  | { kind: "timeout" }
  | { kind: "lost" | "broken" | "unsent"; message: string };

export function outcomeOf(attempt: AttemptKind, latencyMs: number, breaker: CircuitBreakerConfig): Outcome {
  if (attempt.kind === "response") {
    const failed = breaker.failureStatuses.includes(attempt.status);
    return {
      ok: !failed,
      latencyMs,
      status: attempt.status,
      error: failed ? `status ${attempt.status}` : undefined,
    };
  }
  if (attempt.kind === "timeout") return { ok: false, latencyMs, error: "timeout" };
  if (attempt.kind === "unsent") return { ok: false, latencyMs, error: attempt.message, sent: false };
  return { ok: false, latencyMs, error: attempt.message };
}
