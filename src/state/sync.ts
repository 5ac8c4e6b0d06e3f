// Backends on the replication mechanism (src/replication). Each backend's BackendState object
// owns its record (health, circuit, global in-flight, latency, cool-down); this isolate reads the
// record from memory on the hot path and refreshes it in the background, and hands what it
// counted (outcomes, in-flight, usage) to the outbox, which sends it in batches through the
// relay. A local circuit that opens, or a provider's Retry-After, is urgent: it leaves with the
// request that caused it.
import { type Clock, systemClock } from "../clock";
import type { Backend } from "../config/normalize";
import { Outbox, type WriteSource } from "../replication/outbox";
import { idOf, recordKey, type Versioned, type Write } from "../replication/record";
import { Replica, type ReplicaLinks } from "../replication/replica";
import { REPORT_TTL_MS } from "./backend-record";
import { type IsolateState, isolateState } from "./isolate";
import { emptyPending, isEmpty, mergePending } from "./pending";
import { type BackendDelta, type BackendSpec, type Snapshot, specOf } from "./protocol";

export const BACKEND = "backend";
export const backendKey = (id: string) => recordKey(BACKEND, id);

/** An unchanged, non-zero in-flight count is sent again this often, so relays keep counting it. */
const INFLIGHT_KEEPALIVE_MS = REPORT_TTL_MS / 3;

export class BackendSync implements WriteSource {
  private readonly specs = new Map<string, BackendSpec>();
  private readonly reportedAt = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly state: IsolateState,
    private readonly replica: Replica,
  ) {
    replica.on(BACKEND, (record) => this.receive(record as Versioned<Snapshot>));
  }

  /** Refreshes these backends' records in the background (waits briefly only for unseen ones). */
  prepare(backends: readonly Backend[], links: ReplicaLinks): Promise<void> {
    const keys: string[] = [];
    for (const backend of backends) {
      if (!this.specs.has(backend.id)) this.specs.set(backend.id, specOf(backend));
      keys.push(backendKey(backend.id));
    }
    return this.replica.prepare(keys, links);
  }

  private receive(record: Versioned<Snapshot>): void {
    const snapshot = record.value;
    if (!snapshot) return;
    this.state.entry(idOf(record.key)).remote = {
      healthy: snapshot.healthy ?? true,
      circuit: snapshot.circuit,
      openUntil: snapshot.openUntil,
      cooldownUntil: snapshot.cooldownUntil,
      inflight: snapshot.inflight,
      ewmaLatencyMs: snapshot.ewmaLatencyMs,
      at: this.clock.now(),
    };
  }

  urgent(): boolean {
    for (const entry of this.state.backends.values()) if (entry.urgent) return true;
    return false;
  }

  take(): Write[] {
    const now = this.clock.now();
    const writes: Write[] = [];
    for (const [id, entry] of this.state.backends) {
      const spec = this.specs.get(id);
      if (!spec) continue;
      const inflightDue =
        entry.inflight !== entry.reportedInflight ||
        (entry.inflight > 0 && now - (this.reportedAt.get(id) ?? 0) >= INFLIGHT_KEEPALIVE_MS);
      const coolDownDue = entry.cooldownUntil > (entry.remote?.cooldownUntil ?? 0);
      if (isEmpty(entry.pending) && !inflightDue && !coolDownDue && !entry.urgent) continue;
      const pending = entry.pending;
      entry.pending = emptyPending();
      const delta: BackendDelta = {
        ...pending,
        isolate: this.replica.isolateId,
        inflight: entry.inflight,
        cooldownUntil: entry.cooldownUntil || undefined,
        spec,
      };
      writes.push({ key: backendKey(id), delta, urgent: entry.urgent || undefined });
      entry.urgent = false;
      entry.reportedInflight = entry.inflight;
      this.reportedAt.set(id, now);
    }
    return writes;
  }

  restore(writes: Write[]): void {
    for (const write of writes) {
      const entry = this.state.entry(idOf(write.key));
      mergePending(entry.pending, write.delta as BackendDelta, true);
      if (write.urgent) entry.urgent = true;
      this.reportedAt.delete(idOf(write.key));
    }
  }
}

/** The isolate's replication: its replica of records, its outbox, and backends on both. */
export class Replication {
  /** Requests that prepared state (for DO calls per request in status and the benchmark). */
  requests = 0;
  readonly replica: Replica;
  readonly outbox: Outbox;
  readonly backends: BackendSync;

  constructor(clock: Clock, state: IsolateState, newId?: () => string) {
    this.replica = new Replica(clock, newId);
    this.outbox = new Outbox(clock, this.replica);
    this.backends = new BackendSync(clock, state, this.replica);
    this.outbox.register(this.backends);
  }

  /** Durable Object calls this isolate made (each one relay call). */
  get calls(): number {
    return this.replica.relayReads + this.outbox.flushes;
  }

  async prepare(backends: readonly Backend[], links: ReplicaLinks): Promise<void> {
    this.requests += 1;
    await this.backends.prepare(backends, links);
    this.outbox.flush(links);
  }

  /** After a request's outcome is counted: urgent writes leave now, the rest when due. */
  settle(links: ReplicaLinks): void {
    this.outbox.flush(links);
  }
}

/** The isolate's replication, shared by every request it serves (tests build their own). */
export const isolateReplication = new Replication(systemClock, isolateState);
