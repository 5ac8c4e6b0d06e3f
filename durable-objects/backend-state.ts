// BackendState: the single source of truth for one backend or provider endpoint (named by its
// id). It owns probe results and the healthy/unhealthy thresholds, the circuit state machine, the
// global in-flight count, the latency EWMA and counters (src/state/backend-record.ts). Isolates
// reach it through relays (`replicate`, at most about once a second per relay), cron calls
// `tick`, alarms drive probe intervals under a minute. A change every location must hear of at
// once (health, an open circuit, a cool-down) is pushed to the relays that asked lately. State is
// kept in the object's SQLite storage, so it survives eviction and restarts.
import { DurableObject } from "cloudflare:workers";
import type { ProbeResult } from "../src/health/probe";
import { probe as runProbe } from "../src/health/probe";
import { OwnerHub } from "../src/replication/owner-hub";
import { relayByName } from "../src/replication/owners";
import type { OwnerRequest, Versioned } from "../src/replication/record";
import {
  applyProbe,
  applyReport,
  type BackendRecordState,
  backendSnapshot,
  isUrgentChange,
  newBackendRecord,
} from "../src/state/backend-record";
import type { BackendDelta, BackendSpec, BackendStatus, Report, Snapshot } from "../src/state/protocol";
import { backendKey } from "../src/state/sync";

/** Probe intervals of a minute or more ride on the cron trigger; shorter ones on alarms. */
const CRON_INTERVAL_S = 60;

interface Stored extends BackendRecordState {
  /** The last snapshot handed out: a push goes out when the next one differs in what is urgent. */
  published?: Snapshot;
}

const KEY = "state";

export class BackendState extends DurableObject<Env> {
  /** Replaced in tests to drive time. */
  now: () => number = () => Date.now();
  private cached?: Stored;
  private readonly hub = new OwnerHub((relay, records) => relayByName(this.env, relay).push(records));

  private load(): Stored {
    this.cached ??= this.ctx.storage.kv.get<Stored>(KEY) ?? newBackendRecord();
    return this.cached;
  }

  private save(state: Stored): void {
    this.ctx.storage.kv.put(KEY, state);
  }

  /** A relay's call: its folded reports in, the record out (and pushes, when urgent). */
  async replicate(request: OwnerRequest): Promise<Versioned[]> {
    const state = this.load();
    const now = this.now();
    this.hub.seen(request.relay, now);
    for (const write of request.writes) {
      const delta = write.delta as BackendDelta;
      applyReport(state, delta.spec, delta, now);
    }
    await this.ensureAlarm(state);
    const key = request.writes[0]?.key ?? request.keys[0] ?? backendKey(state.spec?.id ?? "");
    return [this.publish(state, now, key, request.relay)];
  }

  /** A direct report (tests, tools) or, with `report` null, "this is your backend": returns the snapshot. */
  async sync(spec: BackendSpec, report: Report | null): Promise<Snapshot> {
    const state = this.load();
    const now = this.now();
    state.spec = spec;
    if (report) applyReport(state, spec, report, now);
    await this.ensureAlarm(state);
    return this.publish(state, now, backendKey(spec.id)).value as Snapshot;
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
    applyProbe(state, result);
    this.publish(state, this.now(), backendKey(state.spec?.id ?? this.ctx.id.name ?? ""));
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
      ...backendSnapshot(state, now),
      url: state.spec?.url ?? "",
      lastProbe: state.lastProbe,
      consecutiveUp: state.consecutiveUp,
      consecutiveDown: state.consecutiveDown,
      requests: state.requests,
      failures: state.failures,
      usage: state.usage,
    };
  }

  /** The current record; pushed to the relays that asked lately when it changed in an urgent way. */
  private publish(state: Stored, now: number, key: string, except?: string): Versioned<Snapshot> {
    const snapshot = backendSnapshot(state, now);
    const urgent = isUrgentChange(state.published, snapshot);
    state.published = snapshot;
    this.save(state);
    const record: Versioned<Snapshot> = { key, value: snapshot, version: snapshot.version, at: now };
    if (urgent) for (const sent of this.hub.push([record], now, except)) this.ctx.waitUntil(sent);
    return record;
  }

  private async ensureAlarm(state: Stored): Promise<void> {
    const hc = state.spec?.healthCheck;
    if (!hc?.enabled || hc.intervalSeconds >= CRON_INTERVAL_S) return;
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(this.now() + 1000);
  }
}
