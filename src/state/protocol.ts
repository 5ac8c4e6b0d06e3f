// What isolates and BackendState objects say to each other. One `sync` call carries an isolate's
// batched outcomes for one backend and returns the object's current state, so a flush and a
// refresh cost a single Durable Object round trip.
import type { Backend, CircuitBreakerConfig, HealthCheck } from "../config/normalize";
import type { ProbeResult } from "../health/result";
import type { HealthEvent } from "../observability/health-events";
import type { CircuitState } from "./circuit";
import type { UsageByModel } from "./usage";

/** What a BackendState object needs to know about its backend (sent by isolates and cron). */
export interface BackendSpec {
  id: string;
  url: string;
  healthCheck: HealthCheck;
  circuitBreaker: CircuitBreakerConfig;
}

export function specOf(backend: Backend): BackendSpec {
  return {
    id: backend.id,
    url: backend.url,
    healthCheck: backend.healthCheck,
    circuitBreaker: backend.circuitBreaker,
  };
}

export interface Report {
  /** Who reports: an isolate, or a relay for the isolates it serves (one in-flight count each). */
  isolate: string;
  /** This isolate's in-flight requests to the backend right now. */
  inflight: number;
  requests: number;
  failures: number;
  /** Failures at the end of the batch with no success after them (consecutive-failure rule). */
  tailFailures: number;
  latencySumMs: number;
  latencyCount: number;
  lastError?: string;
  /** Keep the backend out of rotation until then (ms): a 429's Retry-After. */
  cooldownUntil?: number;
  /** AI usage since the last report, by model. */
  usage?: UsageByModel;
}

export interface Snapshot {
  id: string;
  /** null while the backend has not been probed (treated as healthy). */
  healthy: boolean | null;
  circuit: CircuitState;
  openUntil: number;
  cooldownUntil: number;
  inflight: number;
  ewmaLatencyMs: number;
  at: number;
  /** Grows with every snapshot the object produces: a later copy replaces an earlier one. */
  version: number;
}

export interface BackendStatus extends Snapshot {
  url: string;
  lastProbe: ProbeResult | null;
  consecutiveUp: number;
  consecutiveDown: number;
  requests: number;
  failures: number;
  usage: UsageByModel;
  /** The latest health and circuit changes, oldest first. */
  events: HealthEvent[];
}

/** What an isolate writes about a backend: its report, and the spec the object needs to probe. */
export interface BackendDelta extends Report {
  spec: BackendSpec;
}
