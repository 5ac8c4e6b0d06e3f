// Keeps the isolate's view in step with the BackendState objects without a Durable Object call
// on the request's hot path:
//  - a backend's snapshot is refreshed in the background (ctx.waitUntil) once it is older than
//    SNAPSHOT_TTL_MS, and only for backends requests actually look at;
//  - the same call flushes the outcomes counted since the last one (one round trip for both);
//  - a backend whose local circuit just opened is synced at once;
//  - a cold isolate waits at most COLD_WAIT_MS for its first snapshots, then assumes healthy;
//  - when an object cannot be reached, the last snapshot keeps serving and the unsent outcomes
//    are kept for the next attempt, after RETRY_AFTER_ERROR_MS.
import type { Backend } from "../config/normalize";
import { emptyPending, type IsolateState, isolateState, type Pending } from "./isolate";
import type { BackendSpec, Report, Snapshot } from "./protocol";
import { addUsage } from "./usage";

export const SNAPSHOT_TTL_MS = 1000;
export const COLD_WAIT_MS = 50;
const RETRY_AFTER_ERROR_MS = 5000;

export interface StateNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): { sync(spec: BackendSpec, report: Report | null): Promise<Snapshot> };
}

interface SyncMeta {
  /** When the last sync started (ms); 0 = never. */
  startedAt: number;
  running?: Promise<void>;
}

export class StateSync {
  /** Durable Object calls made by this isolate (shown in /__aya/status and counted by the bench). */
  calls = 0;
  requests = 0;
  private readonly meta = new Map<string, SyncMeta>();
  private isolateId = "";

  constructor(private readonly state: IsolateState) {}

  /**
   * Called once per request with the backends it may use: starts background refreshes of stale
   * snapshots, and waits briefly only when this isolate has never heard of a backend.
   */
  async prepare(
    namespace: StateNamespace | undefined,
    waitUntil: (p: Promise<unknown>) => void,
    backends: readonly Backend[],
    now: number,
  ): Promise<void> {
    this.requests += 1;
    if (!namespace) return;
    let cold: Promise<void>[] | undefined;
    for (const backend of backends) {
      let meta = this.meta.get(backend.id);
      const urgent = this.state.backends.get(backend.id)?.urgent === true;
      if (meta?.running) continue;
      if (meta && meta.startedAt > 0 && now - meta.startedAt < SNAPSHOT_TTL_MS && !urgent) continue;
      const first = !meta;
      if (!meta) {
        meta = { startedAt: 0 };
        this.meta.set(backend.id, meta);
      }
      const running = this.syncOne(namespace, backend, meta, now);
      waitUntil(running);
      if (first) {
        cold ??= [];
        cold.push(running);
      }
    }
    if (cold) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all(cold),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, COLD_WAIT_MS);
        }),
      ]);
      if (timer) clearTimeout(timer);
    }
  }

  private async syncOne(
    namespace: StateNamespace,
    backend: Backend,
    meta: SyncMeta,
    now: number,
  ): Promise<void> {
    meta.startedAt = now;
    const entry = this.state.entry(backend.id);
    entry.urgent = false;
    const pending = entry.pending;
    entry.pending = emptyPending();
    const report: Report | null =
      pending.requests > 0 ||
      entry.inflight !== entry.reportedInflight ||
      Object.keys(pending.usage).length > 0 ||
      entry.cooldownUntil > (entry.remote?.cooldownUntil ?? 0)
        ? {
            isolate: this.id(),
            inflight: entry.inflight,
            requests: pending.requests,
            failures: pending.failures,
            tailFailures: pending.tailFailures,
            latencySumMs: pending.latencySumMs,
            latencyCount: pending.latencyCount,
            lastError: pending.lastError,
            cooldownUntil: entry.cooldownUntil || undefined,
            usage: pending.usage,
          }
        : null;
    const spec: BackendSpec = {
      id: backend.id,
      url: backend.url,
      healthCheck: backend.healthCheck,
      circuitBreaker: backend.circuitBreaker,
    };
    const run = (async () => {
      try {
        this.calls += 1;
        const stub = namespace.get(namespace.idFromName(backend.id));
        const snapshot = await stub.sync(spec, report);
        if (report) entry.reportedInflight = report.inflight;
        entry.remote = {
          healthy: snapshot.healthy ?? true,
          circuit: snapshot.circuit,
          openUntil: snapshot.openUntil,
          cooldownUntil: snapshot.cooldownUntil,
          inflight: snapshot.inflight,
          ewmaLatencyMs: snapshot.ewmaLatencyMs,
          at: now,
        };
      } catch (error) {
        // Keep serving from the last snapshot; put the outcomes back for the next flush.
        merge(entry.pending, pending);
        meta.startedAt = now + RETRY_AFTER_ERROR_MS - SNAPSHOT_TTL_MS;
        console.warn(
          JSON.stringify({ msg: "backend state sync failed", backend: backend.id, error: String(error) }),
        );
      } finally {
        meta.running = undefined;
      }
    })();
    meta.running = run;
    return run;
  }

  private id(): string {
    // crypto is not available at global scope in Workers, so the id is made on first use.
    if (!this.isolateId) this.isolateId = crypto.randomUUID();
    return this.isolateId;
  }
}

/** Puts unsent outcomes (older) back in front of the ones counted since (newer). */
function merge(target: Pending, from: Pending): void {
  // The newer batch decides the tail, unless it holds nothing but failures.
  if (target.requests === target.failures) target.tailFailures += from.tailFailures;
  target.requests += from.requests;
  target.failures += from.failures;
  target.latencySumMs += from.latencySumMs;
  target.latencyCount += from.latencyCount;
  for (const [model, u] of Object.entries(from.usage)) addUsage(target.usage, model, u);
}

export const stateSync = new StateSync(isolateState);
