// Per-isolate backend state: in-flight counts, peak-EWMA latency, a local circuit and counters.
// This is what the hot path reads and writes, synchronously and without I/O. When the backend's
// replicated record has arrived (state/sync.ts), its health, global in-flight count and circuit
// are combined with what this isolate has seen since.
import { updatePeakEwma } from "../balancing/peak-ewma";
import type { Backend } from "../config/normalize";
import { type CircuitData, circuitState, newCircuit, recordFailure, recordSuccess } from "./circuit";
import { emptyPending, type Pending } from "./pending";
import type { BackendView, Lease, Outcome, StateStore } from "./types";
import { addUsage } from "./usage";

/** What the authoritative BackendState object said, as of `at`. */
export interface RemoteView {
  healthy: boolean;
  circuit: "closed" | "open" | "half-open";
  openUntil: number;
  /** Out of rotation until then (a 429's Retry-After), as the object knows it. */
  cooldownUntil: number;
  /** Global in-flight sum, including what this isolate reported as `reportedInflight`. */
  inflight: number;
  ewmaLatencyMs: number;
  at: number;
}

export interface LocalBackend {
  inflight: number;
  halfOpenInflight: number;
  ewma?: { value: number; at: number };
  circuit: CircuitData;
  requests: number;
  failures: number;
  /** Outcomes since the last flush to the Durable Object. */
  pending: Pending;
  /** Out of rotation until then (ms), from a 429's Retry-After seen by this isolate. */
  cooldownUntil: number;
  /** Set when the local circuit just opened: the object should hear of it at once. */
  urgent: boolean;
  /** The in-flight count this isolate last reported (already inside remote.inflight). */
  reportedInflight: number;
  remote?: RemoteView;
}

export class IsolateState implements StateStore {
  readonly backends = new Map<string, LocalBackend>();

  entry(id: string): LocalBackend {
    let entry = this.backends.get(id);
    if (!entry) {
      entry = {
        inflight: 0,
        halfOpenInflight: 0,
        circuit: newCircuit(),
        requests: 0,
        failures: 0,
        pending: emptyPending(),
        cooldownUntil: 0,
        urgent: false,
        reportedInflight: 0,
      };
      this.backends.set(id, entry);
    }
    return entry;
  }

  view(backend: Backend, now: number): BackendView {
    const e = this.entry(backend.id);
    const local = circuitState(e.circuit, now);
    const remote = e.remote;
    // The stricter of the two circuits wins: the isolate reacts first, the object speaks for all.
    let circuit = local;
    if (remote && local !== "open") {
      const remoteCircuit =
        remote.circuit === "open" && now >= remote.openUntil ? "half-open" : remote.circuit;
      if (remoteCircuit === "open" || (remoteCircuit === "half-open" && local === "closed"))
        circuit = remoteCircuit;
    }
    const cooldownUntil = Math.max(e.cooldownUntil, remote?.cooldownUntil ?? 0);
    if (cooldownUntil > now) circuit = "open";
    const inflight = remote ? Math.max(0, remote.inflight - e.reportedInflight) + e.inflight : e.inflight;
    const ewmaLatencyMs = e.ewma?.value ?? remote?.ewmaLatencyMs ?? 0;
    return {
      healthy: remote?.healthy ?? true,
      circuit,
      inflight,
      ewmaLatencyMs,
      cooldownUntil: cooldownUntil > now ? cooldownUntil : 0,
    };
  }

  halfOpenInflight(id: string): number {
    return this.backends.get(id)?.halfOpenInflight ?? 0;
  }

  begin(backend: Backend, now: number): Lease {
    const e = this.entry(backend.id);
    e.inflight += 1;
    const trial = this.view(backend, now).circuit === "half-open";
    if (trial) e.halfOpenInflight += 1;
    return { trial };
  }

  end(backend: Backend, lease: Lease, outcome: Outcome, now: number): void {
    const e = this.entry(backend.id);
    e.inflight = Math.max(0, e.inflight - 1);
    if (lease.trial) e.halfOpenInflight = Math.max(0, e.halfOpenInflight - 1);
    if (outcome.sent === false) return;
    e.requests += 1;
    e.pending.requests += 1;
    if (outcome.ok) {
      e.pending.tailFailures = 0;
      recordSuccess(e.circuit, backend.circuitBreaker, now);
    } else {
      e.failures += 1;
      e.pending.failures += 1;
      e.pending.tailFailures += 1;
      e.pending.lastError = outcome.error;
      const before = e.circuit.state;
      recordFailure(e.circuit, backend.circuitBreaker, now);
      if (before !== "open" && e.circuit.state === "open") e.urgent = true;
    }
    // A failure's latency says nothing about how fast the backend answers requests.
    if (outcome.ok || outcome.status !== undefined) {
      e.ewma = updatePeakEwma(e.ewma, outcome.latencyMs, now);
      e.pending.latencySumMs += outcome.latencyMs;
      e.pending.latencyCount += 1;
    }
  }

  coolDown(backend: Backend, until: number): void {
    const e = this.entry(backend.id);
    if (until <= e.cooldownUntil) return;
    e.cooldownUntil = until;
    e.urgent = true;
  }

  /** Tokens used through an AI provider, counted per model and flushed with the next sync. */
  recordUsage(providerId: string, model: string, promptTokens: number, completionTokens: number): void {
    addUsage(this.entry(providerId).pending.usage, model, { promptTokens, completionTokens, requests: 1 });
  }
}

/** The isolate's one store, shared by every request the isolate serves. */
export const isolateState = new IsolateState();
