// BackendState: the single source of truth for one backend or provider endpoint (named by its
// id). It owns probe results and the healthy/unhealthy thresholds, the circuit state machine, the
// global in-flight count, the latency EWMA and counters (src/state/backend-owner.ts and
// backend-record.ts). Isolates reach it through relays (`replicate`, at most about once a second
// per relay), cron calls `tick`, alarms drive probe intervals under a minute. A change every
// location must hear of at once (health, an open circuit, a cool-down) is pushed to the relays
// that asked lately. State is kept in the object's SQLite storage, so it survives eviction.
import { DurableObject } from "cloudflare:workers";
import type { ProbeResult } from "../src/health/probe";
import { probe as runProbe } from "../src/health/probe";
import { OwnerHub } from "../src/replication/owner-hub";
import { relayByName } from "../src/replication/owners";
import type { OwnerRequest, Versioned } from "../src/replication/record";
import { BackendOwner, type StoredBackend } from "../src/state/backend-owner";
import { backendSnapshot } from "../src/state/backend-record";
import type { BackendSpec, BackendStatus, Report, Snapshot } from "../src/state/protocol";

/** Probe intervals of a minute or more ride on the cron trigger; shorter ones on alarms. */
const CRON_INTERVAL_S = 60;
const KEY = "state";

export class BackendState extends DurableObject<Env> {
  /** Replaced in tests to drive time. */
  now: () => number = () => Date.now();
  private readonly owner = new BackendOwner(
    {
      load: () => this.ctx.storage.kv.get<StoredBackend>(KEY),
      save: (state) => this.ctx.storage.kv.put(KEY, state),
    },
    new OwnerHub((relay, records) => relayByName(this.env, relay).push(records)),
    (promise) => this.ctx.waitUntil(promise),
    this.ctx.id.name ?? "",
  );

  /** A relay's call: its folded reports in, the record out (and pushes, when urgent). */
  async replicate(request: OwnerRequest): Promise<Versioned[]> {
    const records = this.owner.replicate(request, this.now());
    await this.ensureAlarm();
    return records;
  }

  /** A direct report (tests, tools) or, with `report` null, "this is your backend": the snapshot. */
  async sync(spec: BackendSpec, report: Report | null): Promise<Snapshot> {
    const snapshot = this.owner.sync(spec, report, this.now());
    await this.ensureAlarm();
    return snapshot;
  }

  /** Cron: remember the spec, probe now when due, and keep the alarm set for short intervals. */
  async tick(spec: BackendSpec): Promise<ProbeResult | null> {
    this.owner.remember(spec);
    await this.ensureAlarm();
    const hc = spec.healthCheck;
    if (!hc.enabled || hc.intervalSeconds < CRON_INTERVAL_S) return null;
    const last = this.owner.state().lastProbe?.at ?? 0;
    // A little slack so that a 60 s interval is due on every one-minute cron tick.
    if (this.now() - last < hc.intervalSeconds * 1000 - 5_000) return null;
    return this.probe();
  }

  /** Runs one probe now and records it. */
  async probe(): Promise<ProbeResult | null> {
    const spec = this.owner.state().spec;
    if (!spec) return null;
    const result = await runProbe({ url: spec.url, healthCheck: spec.healthCheck }, this.now);
    this.recordProbe(result);
    return result;
  }

  recordProbe(result: ProbeResult): void {
    this.owner.recordProbe(result, this.now());
  }

  override async alarm(): Promise<void> {
    const hc = this.owner.state().spec?.healthCheck;
    if (!hc?.enabled || hc.intervalSeconds >= CRON_INTERVAL_S) return;
    await this.probe();
    await this.ctx.storage.setAlarm(this.now() + hc.intervalSeconds * 1000);
  }

  async status(): Promise<BackendStatus> {
    const state = this.owner.state();
    return {
      ...backendSnapshot(state, this.now()),
      url: state.spec?.url ?? "",
      lastProbe: state.lastProbe,
      consecutiveUp: state.consecutiveUp,
      consecutiveDown: state.consecutiveDown,
      requests: state.requests,
      failures: state.failures,
      usage: state.usage,
    };
  }

  private async ensureAlarm(): Promise<void> {
    const hc = this.owner.state().spec?.healthCheck;
    if (!hc?.enabled || hc.intervalSeconds >= CRON_INTERVAL_S) return;
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(this.now() + 1000);
  }
}
