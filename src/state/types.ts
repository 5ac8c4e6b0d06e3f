// What the proxy and the strategies know about a backend, and what they report back. The
// isolate-local store implements this today; the Durable Object snapshot feeds the same view.
import type { Backend } from "../config/normalize";
import type { CircuitState } from "./circuit";

export interface BackendView {
  /** From active probes; true while a backend has not been probed yet. */
  healthy: boolean;
  circuit: CircuitState;
  /** Requests in flight: the global count where known, plus this isolate's own change since. */
  inflight: number;
  ewmaLatencyMs: number;
  /** Out of rotation until then (ms) after a provider's 429 Retry-After, here or in any isolate; 0 when not. */
  cooldownUntil: number;
}

export interface Outcome {
  ok: boolean;
  latencyMs: number;
  status?: number;
  /** A short reason for failures (`timeout`, `connect`, `status 503`); never a credential. */
  error?: string;
  /**
   * False when the request never left the gateway (an error raised before sending): it says
   * nothing about the backend, so it is counted neither as a success nor as a failure.
   */
  sent?: boolean;
}

export interface StateStore {
  view(backend: Backend, now: number): BackendView;
  /** A request starts: in-flight +1 (and a half-open trial slot is taken). */
  begin(backend: Backend, now: number): Lease;
  /** A request ended: in-flight -1, latency and circuit updated. */
  end(backend: Backend, lease: Lease, outcome: Outcome, now: number): void;
  /** Tokens used through an AI provider endpoint, per model (shown in /__aya/status). */
  recordUsage(providerId: string, model: string, promptTokens: number, completionTokens: number): void;
  /**
   * Keeps a backend out of rotation until `until` (ms), everywhere: a provider's 429 Retry-After.
   * Reads as an open circuit; the BackendState object spreads it to every isolate.
   */
  coolDown(backend: Backend, until: number): void;
  /** Trial requests in flight to a half-open backend. */
  halfOpenInflight(id: string): number;
}

/** Returned by begin, handed back to end: whether the request was a half-open trial. */
export interface Lease {
  trial: boolean;
}
