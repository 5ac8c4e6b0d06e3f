// The authoritative state of one backend, as pure functions over plain data: what the
// BackendState Durable Object keeps in storage and what `npm run sim` runs against simulated
// objects. Reports arrive folded by relays (one per relay, carrying its isolates' in-flight sum);
// probes arrive from cron and alarms; the snapshot is the replicated record.
import { updatePeakEwma } from "../balancing/peak-ewma";
import type { ProbeResult } from "../health/result";
import { type CircuitData, circuitState, newCircuit, recordFailure, recordSuccess } from "./circuit";
import type { BackendSpec, Report, Snapshot } from "./protocol";
import { addUsage, type UsageByModel } from "./usage";

/** A reporter (a relay, or an isolate talking directly) silent this long no longer counts in-flight. */
export const REPORT_TTL_MS = 15_000;

export interface BackendRecordState {
  spec?: BackendSpec;
  healthy: boolean | null;
  consecutiveUp: number;
  consecutiveDown: number;
  lastProbe: ProbeResult | null;
  circuit: CircuitData;
  ewma?: { value: number; at: number };
  /** Latest in-flight count per reporter. */
  isolates: Record<string, { inflight: number; at: number }>;
  requests: number;
  failures: number;
  usage: UsageByModel;
  cooldownUntil?: number;
  /** The last snapshot's version: every snapshot gets a larger one (see nextVersion). */
  version?: number;
}

export function newBackendRecord(): BackendRecordState {
  return {
    healthy: null,
    consecutiveUp: 0,
    consecutiveDown: 0,
    lastProbe: null,
    circuit: newCircuit(),
    isolates: {},
    requests: 0,
    failures: 0,
    usage: {},
  };
}

export function applyReport(state: BackendRecordState, spec: BackendSpec, report: Report, now: number): void {
  state.spec = spec;
  state.isolates[report.isolate] = { inflight: report.inflight, at: now };
  if (report.cooldownUntil && report.cooldownUntil > (state.cooldownUntil ?? 0))
    state.cooldownUntil = report.cooldownUntil;
  state.requests += report.requests;
  state.failures += report.failures;
  const cfg = spec.circuitBreaker;
  // Order inside a batch is lost; keep what matters: failures that ended the batch come last.
  const earlyFailures = report.failures - report.tailFailures;
  const successes = report.requests - report.failures;
  for (let i = 0; i < earlyFailures; i++) recordFailure(state.circuit, cfg, now);
  for (let i = 0; i < successes; i++) recordSuccess(state.circuit, cfg, now);
  for (let i = 0; i < report.tailFailures; i++) recordFailure(state.circuit, cfg, now);
  if (report.latencyCount > 0) {
    state.ewma = updatePeakEwma(state.ewma, report.latencySumMs / report.latencyCount, now);
  }
  for (const [model, u] of Object.entries(report.usage ?? {})) addUsage(state.usage, model, u);
}

export function applyProbe(state: BackendRecordState, result: ProbeResult): void {
  const hc = state.spec?.healthCheck;
  state.lastProbe = result;
  if (result.ok) {
    state.consecutiveUp += 1;
    state.consecutiveDown = 0;
    // A backend never probed before is taken as healthy on its first good probe.
    if (state.healthy === null || (!state.healthy && state.consecutiveUp >= (hc?.healthyThreshold ?? 2))) {
      state.healthy = true;
    }
  } else {
    state.consecutiveDown += 1;
    state.consecutiveUp = 0;
    if (state.consecutiveDown >= (hc?.unhealthyThreshold ?? 3)) state.healthy = false;
  }
}

/**
 * The replicated record. Versions only ever grow (the clock, or one more than the last when the
 * clock has not moved), so that a copy produced later always replaces one produced earlier.
 */
export function backendSnapshot(state: BackendRecordState, now: number): Snapshot {
  let inflight = 0;
  for (const [reporter, r] of Object.entries(state.isolates)) {
    if (now - r.at > REPORT_TTL_MS) delete state.isolates[reporter];
    else inflight += r.inflight;
  }
  state.version = Math.max((state.version ?? 0) + 1, now);
  return {
    id: state.spec?.id ?? "",
    healthy: state.healthy,
    circuit: circuitState(state.circuit, now),
    openUntil: state.circuit.openUntil,
    cooldownUntil: state.cooldownUntil ?? 0,
    inflight,
    ewmaLatencyMs: state.ewma?.value ?? 0,
    at: now,
    version: state.version,
  };
}

/** A change every location must hear of at once, not with its next poll. */
export function isUrgentChange(before: Snapshot | undefined, after: Snapshot): boolean {
  if (!before) return false;
  return (
    before.healthy !== after.healthy ||
    (before.circuit === "open") !== (after.circuit === "open") ||
    before.cooldownUntil !== after.cooldownUntil
  );
}
