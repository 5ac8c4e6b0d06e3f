// BackendState: the single source of truth for one backend or provider endpoint (named by its
// id). It owns probe results and the healthy/unhealthy thresholds, the circuit state machine, the
// global in-flight count (the sum of fresh per-isolate reports), the latency EWMA and counters.
// Isolates talk to it in batches (`sync`), never per request; cron calls `tick`, and alarms drive
// probe intervals under a minute. State is kept in the object's SQLite storage, so it survives
// eviction and restarts.
import { DurableObject } from "cloudflare:workers";
import { updatePeakEwma } from "../src/balancing/peak-ewma";
import type { ProbeResult } from "../src/health/probe";
import { probe as runProbe } from "../src/health/probe";
import type { CircuitData } from "../src/state/circuit";
import { circuitState, newCircuit, recordFailure, recordSuccess } from "../src/state/circuit";
import type { BackendSpec, BackendStatus, Report, Snapshot } from "../src/state/protocol";
import { addUsage, type UsageByModel } from "../src/state/usage";

/** An isolate that has not reported for this long no longer counts towards in-flight. */
export const ISOLATE_REPORT_TTL_MS = 15_000;
/** Probe intervals of a minute or more ride on the cron trigger; shorter ones on alarms. */
const CRON_INTERVAL_S = 60;

interface Stored {
  spec?: BackendSpec;
  healthy: boolean | null;
  consecutiveUp: number;
  consecutiveDown: number;
  lastProbe: ProbeResult | null;
  circuit: CircuitData;
  ewma?: { value: number; at: number };
  isolates: Record<string, { inflight: number; at: number }>;
  requests: number;
  failures: number;
  usage: UsageByModel;
  cooldownUntil?: number;
}

const KEY = "state";

export class BackendState extends DurableObject<Env> {
  /** Replaced in tests to drive time. */
  now: () => number = () => Date.now();
  private cached?: Stored;

  private load(): Stored {
    if (!this.cached) {
      this.cached = this.ctx.storage.kv.get<Stored>(KEY) ?? {
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
    return this.cached;
  }

  private save(state: Stored): void {
    this.ctx.storage.kv.put(KEY, state);
  }

  /** An isolate's batch of outcomes in, the current state out. */
  async sync(spec: BackendSpec, report: Report | null): Promise<Snapshot> {
    const state = this.load();
    state.spec = spec;
    const now = this.now();
    if (report) this.apply(state, spec, report, now);
    this.save(state);
    await this.ensureAlarm(state);
    return this.snapshot(state, now);
  }

  /** Cron: remember the spec, probe now when due, and keep the alarm set for short intervals. */
  async tick(spec: BackendSpec): Promise<ProbeResult | null> {
    const state = this.load();
    state.spec = spec;
    this.save(state);
    await this.ensureAlarm(state);
    const hc = spec.healthCheck;
    if (!hc.enabled || hc.intervalSeconds < CRON_INTERVAL_S) return null;
    const last = state.lastProbe?.at ?? 0;
    // A little slack so that a 60 s interval is due on every one-minute cron tick.
    if (this.now() - last < hc.intervalSeconds * 1000 - 5_000) return null;
    return this.probe();
  }

  /** Runs one probe now and records it. */
  async probe(): Promise<ProbeResult | null> {
    const spec = this.load().spec;
    if (!spec) return null;
    const result = await runProbe({ url: spec.url, healthCheck: spec.healthCheck }, this.now);
    this.recordProbe(result);
    return result;
  }

  recordProbe(result: ProbeResult): void {
    const state = this.load();
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
    this.save(state);
  }

  override async alarm(): Promise<void> {
    const state = this.load();
    const hc = state.spec?.healthCheck;
    if (!hc?.enabled || hc.intervalSeconds >= CRON_INTERVAL_S) return;
    await this.probe();
    await this.ctx.storage.setAlarm(this.now() + hc.intervalSeconds * 1000);
  }

  async status(): Promise<BackendStatus> {
    const state = this.load();
    const now = this.now();
    return {
      ...this.snapshot(state, now),
      url: state.spec?.url ?? "",
      lastProbe: state.lastProbe,
      consecutiveUp: state.consecutiveUp,
      consecutiveDown: state.consecutiveDown,
      requests: state.requests,
      failures: state.failures,
      usage: state.usage,
    };
  }

  private apply(state: Stored, spec: BackendSpec, report: Report, now: number): void {
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

  private snapshot(state: Stored, now: number): Snapshot {
    let inflight = 0;
    for (const [isolate, r] of Object.entries(state.isolates)) {
      if (now - r.at > ISOLATE_REPORT_TTL_MS) delete state.isolates[isolate];
      else inflight += r.inflight;
    }
    return {
      id: state.spec?.id ?? "",
      healthy: state.healthy,
      circuit: circuitState(state.circuit, now),
      openUntil: state.circuit.openUntil,
      cooldownUntil: state.cooldownUntil ?? 0,
      inflight,
      ewmaLatencyMs: state.ewma?.value ?? 0,
      at: now,
    };
  }

  private async ensureAlarm(state: Stored): Promise<void> {
    const hc = state.spec?.healthCheck;
    if (!hc?.enabled || hc.intervalSeconds >= CRON_INTERVAL_S) return;
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(this.now() + 1000);
  }
}
