// BackendState: the single source of truth for one backend or provider endpoint (named by its
// id). It owns probe results and the healthy/unhealthy thresholds, the circuit state machine, the
// global in-flight count, the latency EWMA and counters (src/state/backend-owner.ts and
// backend-record.ts). Isolates reach it through relays (`replicate`, at most about once a second
// per relay), cron calls `tick`, alarms drive probe intervals under a minute. A change every
// location must hear of at once (health, an open circuit, a cool-down) is pushed to the relays
// that asked lately. State is kept in the object's SQLite storage, so it survives eviction.
// Health and circuit changes are logged here, once for the whole edge, and alerted on through
// the configured webhook; the alarm that drives short probe intervals also retries alerts.
import { DurableObject } from "cloudflare:workers";
import { loadGateway } from "../src/config/load";
import type { Gateway } from "../src/config/normalize";
import type { ProbeResult } from "../src/health/probe";
import { probe as runProbe } from "../src/health/probe";
import { healthAlert } from "../src/observability/alerts/events";
import { objectAlertQueue } from "../src/observability/alerts/queue";
import { type HealthEvent, healthLogLine } from "../src/observability/health-events";
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
  /** The config whose alerts apply: the deployed GATEWAY (replaced in tests, which bring their own). */
  gateway: () => Gateway | undefined = () => {
    const loaded = loadGateway(this.env.GATEWAY);
    return loaded.ok ? loaded.config : undefined;
  };
  /** When the alarm is next due for a probe (short intervals); alert retries may wake it sooner. */
  private nextProbeAt: number | undefined;
  /** Alerts on their way out (reached into by tests, to wait for a delivery). */
  readonly alerts = objectAlertQueue({
    ctx: this.ctx,
    env: this.env,
    now: () => this.now(),
    gateway: () => this.gateway(),
  });
  private readonly owner = new BackendOwner(
    {
      load: () => this.ctx.storage.kv.get<StoredBackend>(KEY),
      save: (state) => this.ctx.storage.kv.put(KEY, state),
    },
    new OwnerHub((relay, records) => relayByName(this.env, relay).push(records)),
    (promise) => this.ctx.waitUntil(promise),
    this.ctx.id.name ?? "",
    (events) => this.changed(events),
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

  /**
   * One alarm, two jobs: probes for intervals under a minute, and alert retries. The alarm is the
   * probe's unless an alert retry set it earlier and the probe is not due yet.
   */
  override async alarm(): Promise<void> {
    const hc = this.owner.state().spec?.healthCheck;
    const shortProbes = hc?.enabled === true && hc.intervalSeconds < CRON_INTERVAL_S;
    const alertDue = (this.alerts.nextAt() ?? Number.POSITIVE_INFINITY) <= this.now();
    const probeDue =
      shortProbes && (!alertDue || this.nextProbeAt === undefined || this.now() >= this.nextProbeAt);
    await this.alerts.deliverDue();
    if (probeDue) await this.probe();
    if (shortProbes && (probeDue || this.nextProbeAt === undefined))
      this.nextProbeAt = this.now() + (hc?.intervalSeconds ?? CRON_INTERVAL_S) * 1000;
    const next = Math.min(
      shortProbes ? (this.nextProbeAt ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY,
      this.alerts.nextAt() ?? Number.POSITIVE_INFINITY,
    );
    if (Number.isFinite(next)) await this.ctx.storage.setAlarm(next);
  }

  /** A health or circuit change: logged once for the whole edge, alerted when configured. */
  private changed(events: HealthEvent[]): void {
    const gateway = this.gateway();
    let queued = false;
    for (const event of events) {
      const pool = gateway?.backends.get(event.backend)?.owner;
      console.log(healthLogLine(event, pool));
      const alert = healthAlert(event, pool);
      if (alert && this.alerts.enqueue(alert)) queued = true;
    }
    if (queued) this.ctx.waitUntil(this.alerts.deliverDue());
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
      events: state.events ?? [],
    };
  }

  private async ensureAlarm(): Promise<void> {
    const hc = this.owner.state().spec?.healthCheck;
    if (!hc?.enabled || hc.intervalSeconds >= CRON_INTERVAL_S) return;
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(this.now() + 1000);
  }
}
