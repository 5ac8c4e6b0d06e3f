// The owner's side of a backend's record, without the Durable Object around it: applying the
// reports relays forward and the probes cron and alarms run, and publishing the snapshot (pushed
// to the relays that asked lately when it changed in a way every location must hear of at once).
// BackendState wraps it with storage; `npm run sim` runs it as it is against simulated relays.
import type { ProbeResult } from "../health/result";
import { type HealthEvent, healthEvents, RECENT_EVENTS } from "../observability/health-events";
import type { OwnerHub } from "../replication/owner-hub";
import type { OwnerRequest, Versioned } from "../replication/record";
import {
  applyProbe,
  applyReport,
  type BackendRecordState,
  backendSnapshot,
  isUrgentChange,
  newBackendRecord,
} from "./backend-record";
import type { BackendDelta, BackendSpec, Report, Snapshot } from "./protocol";
import { backendKey } from "./sync";

export interface StoredBackend extends BackendRecordState {
  /** The last snapshot handed out: a push goes out when the next one differs in what is urgent. */
  published?: Snapshot;
  /** The latest health and circuit changes, for the dashboard (src/observability/health-events.ts). */
  events?: HealthEvent[];
}

export interface BackendStore {
  load(): StoredBackend | undefined;
  save(state: StoredBackend): void;
}

export class BackendOwner {
  private cached?: StoredBackend;

  constructor(
    private readonly store: BackendStore,
    private readonly hub: OwnerHub,
    /** Keeps the owner alive while pushes are on their way (ctx.waitUntil). */
    private readonly waitUntil: (promise: Promise<unknown>) => void,
    /** The backend's id, for a record asked for before any spec arrived. */
    private readonly id: string,
    /** Told of every health or circuit change, once, as it is published (logs and alerts). */
    private readonly onEvents?: (events: HealthEvent[]) => void,
  ) {}

  state(): StoredBackend {
    this.cached ??= this.store.load() ?? newBackendRecord();
    return this.cached;
  }

  replicate(request: OwnerRequest, now: number): Versioned<Snapshot>[] {
    const state = this.state();
    this.hub.seen(request.relay, now);
    for (const write of request.writes) {
      const delta = write.delta as BackendDelta;
      applyReport(state, delta.spec, delta, now);
    }
    return [this.publish(now, request.relay)];
  }

  /** A direct report, or with `report` null "this is your backend": the snapshot. */
  sync(spec: BackendSpec, report: Report | null, now: number): Snapshot {
    const state = this.state();
    state.spec = spec;
    if (report) applyReport(state, spec, report, now);
    return this.publish(now).value as Snapshot;
  }

  remember(spec: BackendSpec): void {
    const state = this.state();
    state.spec = spec;
    this.store.save(state);
  }

  recordProbe(result: ProbeResult, now: number): void {
    applyProbe(this.state(), result);
    this.publish(now);
  }

  /** The current record; pushed to the relays that asked lately when it changed in an urgent way. */
  publish(now: number, except?: string): Versioned<Snapshot> {
    const state = this.state();
    const snapshot = backendSnapshot(state, now);
    const urgent = isUrgentChange(state.published, snapshot);
    const events = healthEvents(state.published, snapshot, state.lastProbe, now);
    state.published = snapshot;
    if (events.length > 0) state.events = [...(state.events ?? []), ...events].slice(-RECENT_EVENTS);
    this.store.save(state);
    const record: Versioned<Snapshot> = {
      key: backendKey(state.spec?.id ?? this.id),
      value: snapshot,
      version: snapshot.version,
      at: now,
    };
    if (urgent) for (const sent of this.hub.push([record], now, except)) this.waitUntil(sent);
    if (events.length > 0) this.onEvents?.(events);
    return record;
  }
}
