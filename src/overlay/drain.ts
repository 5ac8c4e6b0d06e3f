// What status says about a backend an operator took out of rotation. A drained backend is one no
// request is in flight to anywhere, as its BackendState object counts it (the sum of what every
// isolate reported), and only once every request that may have started before the drain has had
// time to be counted: the drain reaches every isolate within about 2 s; a request then still
// waiting for its answer's headers has at most the pool's timeoutMs left (an answer being streamed
// is counted until its body ends, src/proxy/lease.ts); and an isolate's in-flight count reaches
// the object within one report interval (at most 6.25 s) and a relay's second.

import { slowStartShare } from "../balancing/slow-start";
import type { Backend, Pool } from "../config/normalize";

/** The drain reaching every isolate, one report interval and a relay's forwarding, rounded up. */
export const REPORTS_SETTLE_MS = 10_000;

export type OperatorState = "active" | "draining" | "drained" | "disabled";

export function operatorState(backend: Backend, pool: Pool, inflight: number, now: number): OperatorState {
  const rotation = backend.rotation;
  if (!rotation) return "active";
  if (rotation.state === "disabled") return "disabled";
  const settled = now - rotation.since >= pool.timeoutMs + REPORTS_SETTLE_MS;
  return settled && inflight === 0 ? "drained" : "draining";
}

/** Status fields for a backend an operator changed: its state, since when, and its slow start. */
export function operatorFields(backend: Backend, pool: Pool, inflight: number, now: number) {
  const state = operatorState(backend, pool, inflight, now);
  const slow = backend.slowStart;
  const ramping = slow && !backend.rotation && slowStartShare(slow, now) < 1;
  return {
    state,
    ...(backend.rotation ? { since: new Date(backend.rotation.since).toISOString() } : {}),
    ...(ramping
      ? {
          slowStart: {
            until: new Date(slow.since + slow.seconds * 1000).toISOString(),
            weightNow: Math.round(backend.weight * slowStartShare(slow, now) * 1000) / 1000,
          },
        }
      : {}),
  };
}
