// The circuit breaker as a pure state machine over plain data, so that the isolate (which must
// react at once) and the BackendState Durable Object (which is authoritative) run the same rules.
//   closed ──(consecutiveFailures, or failureRate over windowSeconds once minRequests)──▶ open
//   open ──(openSeconds, doubling per re-open up to maxOpenSeconds)──▶ half-open
//   half-open ──(halfOpenRequests successes)──▶ closed;  half-open ──(any failure)──▶ open
import type { CircuitBreakerConfig } from "../config/normalize";

export type CircuitState = "closed" | "open" | "half-open";

const BUCKETS = 10;

export interface CircuitData {
  state: CircuitState;
  consecutiveFailures: number;
  /** When an open circuit may half-open (ms epoch). */
  openUntil: number;
  /** How many times in a row the circuit opened without closing; drives the doubling. */
  reopens: number;
  halfOpenSuccesses: number;
  /** Rolling window: buckets of (start, requests, failures). */
  window: { start: number; requests: number; failures: number }[];
}

export function newCircuit(): CircuitData {
  return {
    state: "closed",
    consecutiveFailures: 0,
    openUntil: 0,
    reopens: 0,
    halfOpenSuccesses: 0,
    window: [],
  };
}

/** The state as of `now`: an open circuit whose time is up reads as half-open. */
export function circuitState(data: CircuitData, now: number): CircuitState {
  if (data.state === "open" && now >= data.openUntil) return "half-open";
  return data.state;
}

function settle(data: CircuitData, now: number): void {
  if (data.state === "open" && now >= data.openUntil) {
    data.state = "half-open";
    data.halfOpenSuccesses = 0;
  }
}

function countInWindow(data: CircuitData, cfg: CircuitBreakerConfig, now: number, failed: boolean): void {
  const bucketMs = (cfg.windowSeconds * 1000) / BUCKETS;
  const start = Math.floor(now / bucketMs) * bucketMs;
  const oldest = now - cfg.windowSeconds * 1000;
  data.window = data.window.filter((b) => b.start > oldest);
  let bucket = data.window[data.window.length - 1];
  if (!bucket || bucket.start !== start) {
    bucket = { start, requests: 0, failures: 0 };
    data.window.push(bucket);
  }
  bucket.requests += 1;
  if (failed) bucket.failures += 1;
}

function open(data: CircuitData, cfg: CircuitBreakerConfig, now: number): void {
  const seconds = Math.min(cfg.openSeconds * 2 ** data.reopens, cfg.maxOpenSeconds);
  data.state = "open";
  data.openUntil = now + seconds * 1000;
  data.reopens += 1;
  data.halfOpenSuccesses = 0;
  data.consecutiveFailures = 0;
  data.window = [];
}

export function recordSuccess(data: CircuitData, cfg: CircuitBreakerConfig, now: number): void {
  settle(data, now);
  data.consecutiveFailures = 0;
  countInWindow(data, cfg, now, false);
  if (data.state === "half-open") {
    data.halfOpenSuccesses += 1;
    if (data.halfOpenSuccesses >= cfg.halfOpenRequests) {
      data.state = "closed";
      data.reopens = 0;
      data.window = [];
    }
  }
}

export function recordFailure(data: CircuitData, cfg: CircuitBreakerConfig, now: number): void {
  settle(data, now);
  if (!cfg.enabled) return;
  if (data.state === "half-open") {
    open(data, cfg, now);
    return;
  }
  if (data.state === "open") return;
  data.consecutiveFailures += 1;
  countInWindow(data, cfg, now, true);
  if (data.consecutiveFailures >= cfg.consecutiveFailures) {
    open(data, cfg, now);
    return;
  }
  let requests = 0;
  let failures = 0;
  for (const b of data.window) {
    requests += b.requests;
    failures += b.failures;
  }
  if (requests >= cfg.minRequests && failures / requests >= cfg.failureRate) open(data, cfg, now);
}
