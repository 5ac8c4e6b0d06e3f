// A relay: the regional tier between a location and a record's owner. Isolates of the locations
// it serves exchange with it (records they want, writes they batched); it asks each owner at most
// once per RELAY_TTL_MS for what its isolates want, folds their writes into one per record, and
// forwards urgent ones at once. Owners push urgent changes back to the relays that asked, so a
// circuit that opens, or a key that is revoked, reaches every location without waiting for a poll.
//
// Why the tier exists: ~300 locations each asking an owner once a second is ~300 calls a second,
// three times what one Durable Object should take (DESIGN rule 10). With R relays an owner takes
// about R calls a second, and each relay about its share of locations and isolates.
// `npm run sim` measures both.
import { type Clock, sleep } from "../clock";
import type { Folds } from "./fold";
import {
  type ExchangeRequest,
  isNewer,
  kindOf,
  type RecordKey,
  type RecordOwner,
  type Versioned,
  type Write,
} from "./record";
import { ACTIVE_MS, RELAY_TTL_MS } from "./timing";

export interface RelayHost {
  name: string;
  clock: Clock;
  /**
   * The owner of a record: an id that groups keys into one call, and its stub. `watermark`: the
   * owner holds many records and answers by version (OwnerRequest.since) with this watermark key.
   */
  ownerOf(key: RecordKey): { id: string; stub: RecordOwner; watermark?: RecordKey } | undefined;
  folds: Folds;
  /** Asks to be woken (`tick`) at `at`: a Durable Object alarm, a timer in the simulation. */
  wake(at: number): void;
}

interface OwnerEntry {
  stub: RecordOwner;
  keys: Set<RecordKey>;
  watermark?: RecordKey;
  /** For owners answering by version: every change up to this one is held here. */
  since?: number;
}

/**
 * Calls to one owner for records (not urgent writes) are paced by a token bucket: bursts of up to
 * OWNER_CALL_BURST, then OWNER_CALLS_PER_SECOND. A flood of unknown keys reaches the keys' owner as
 * a few batched calls a second per relay, whatever its size; ordinary traffic never waits.
 */
export const OWNER_CALLS_PER_SECOND = 4;
export const OWNER_CALL_BURST = 4;

export class RelayCore {
  exchanges = 0;
  ownerCalls = 0;
  pushesIn = 0;
  private readonly records = new Map<RecordKey, { record: Versioned; fetchedAt: number }>();
  private readonly asked = new Map<RecordKey, number>();
  private readonly held = new Map<RecordKey, unknown>();
  private readonly urgent = new Set<RecordKey>();
  private readonly owners = new Map<string, OwnerEntry>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly queued = new Map<string, Promise<void>>();
  /** Owners some isolate is waiting on (for records, or an urgent write), not only the backstop. */
  private readonly demanded = new Set<string>();
  private readonly calledAt = new Map<string, number>();
  private readonly tokens = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly host: RelayHost) {}

  /** An isolate's call: fold its writes, answer the records it wants (asking owners when stale). */
  async exchange(request: ExchangeRequest): Promise<Versioned[]> {
    const now = this.host.clock.now();
    this.exchanges += 1;
    const calls: Promise<void>[] = [];
    const urgentOwners = new Set<string>();
    const dueOwners = new Set<string>();
    for (const write of request.writes) {
      const owner = this.track(write.key);
      const fold = this.host.folds[kindOf(write.key)];
      if (!owner || !fold) continue;
      this.held.set(write.key, fold.add(this.held.get(write.key), write.delta, request.from, now));
      if (write.urgent) {
        this.urgent.add(write.key);
        urgentOwners.add(owner);
      } else if (this.callDue(owner, now)) {
        // Not called within the interval: these writes may go now. Otherwise they ride on the next call.
        dueOwners.add(owner);
      }
    }
    for (const key of request.keys) {
      const owner = this.track(key);
      if (!owner) continue;
      this.asked.set(key, now);
      const known = this.records.get(key);
      if (!known || now - known.fetchedAt >= RELAY_TTL_MS) dueOwners.add(owner);
    }
    // An urgent write must be in a call that starts after it; anything else can wait for a call on its way.
    for (const owner of urgentOwners) calls.push(this.callOwner(owner, true));
    for (const owner of dueOwners) {
      if (urgentOwners.has(owner)) continue;
      calls.push(this.queued.get(owner) ?? this.running.get(owner) ?? this.callOwner(owner, true));
    }
    await Promise.all(calls);
    if (request.writes.length > 0) this.host.wake(now + RELAY_TTL_MS);
    const out: Versioned[] = [];
    for (const key of request.keys) {
      const known = this.records.get(key);
      if (known) out.push(known.record);
    }
    return out;
  }

  /** An owner's push: an urgent change, for every relay that asked about the record. */
  push(records: Versioned[]): void {
    this.pushesIn += 1;
    const now = this.host.clock.now();
    for (const record of records) this.store(record, now);
  }

  /** Forwards what is still held (the last writes of a burst) and forgets what nobody asks for. */
  async tick(): Promise<void> {
    const now = this.host.clock.now();
    // Owners called within the interval get these writes with their next call anyway.
    const due = [...this.owners.keys()].filter(
      (id) =>
        this.callDue(id, now) && [...(this.owners.get(id)?.keys ?? [])].some((key) => this.held.has(key)),
    );
    await Promise.all(due.map((id) => this.callOwner(id, false)));
    for (const [id, entry] of this.owners) {
      for (const key of entry.keys) {
        const active = now - (this.asked.get(key) ?? Number.NEGATIVE_INFINITY) < ACTIVE_MS;
        if (active || this.held.has(key)) continue;
        entry.keys.delete(key);
        this.records.delete(key);
        this.asked.delete(key);
      }
      if (entry.keys.size === 0) this.owners.delete(id);
    }
    if (this.held.size > 0) this.host.wake(now + RELAY_TTL_MS);
  }

  /** Records held (for status and tests). */
  record(key: RecordKey): Versioned | undefined {
    return this.records.get(key)?.record;
  }

  /**
   * Whether an owner was last called an interval ago, or "later" than now: a clock that stepped
   * back (another machine's, after a move) must not hold writes until it catches up.
   */
  private callDue(owner: string, now: number): boolean {
    const at = this.calledAt.get(owner);
    return at === undefined || now - at >= RELAY_TTL_MS || now < at;
  }

  private track(key: RecordKey): string | undefined {
    const owner = this.host.ownerOf(key);
    if (!owner) return undefined;
    let entry = this.owners.get(owner.id);
    if (!entry) {
      entry = { stub: owner.stub, keys: new Set(), watermark: owner.watermark };
      this.owners.set(owner.id, entry);
    }
    entry.keys.add(key);
    return owner.id;
  }

  private store(record: Versioned, now: number): void {
    const known = this.records.get(record.key);
    if (known && !isNewer(known.record, record)) {
      if (known.record.version === record.version) known.fetchedAt = now;
      return;
    }
    this.records.set(record.key, { record, fetchedAt: now });
  }

  /** One call per owner at a time; what arrives meanwhile rides on the single call queued after it. */
  private callOwner(id: string, demand: boolean): Promise<void> {
    if (demand) this.demanded.add(id);
    const queued = this.queued.get(id);
    if (queued) return queued;
    const running = this.running.get(id);
    if (!running) return this.start(id);
    const next = running.then(() => {
      this.queued.delete(id);
      return this.start(id);
    });
    this.queued.set(id, next);
    return next;
  }

  private start(id: string): Promise<void> {
    const run = this.paced(id).finally(() => {
      if (this.running.get(id) === run) this.running.delete(id);
    });
    this.running.set(id, run);
    return run;
  }

  /** Urgent writes go at once; a lookup takes a token of the owner's bucket, waiting for one. */
  private async paced(id: string): Promise<void> {
    const urgent = [...(this.owners.get(id)?.keys ?? [])].some((key) => this.urgent.has(key));
    // The backstop (tick) carries held writes at most once an alarm: only lookups are paced.
    if (!urgent && this.demanded.has(id)) {
      const now = this.host.clock.now();
      const b = this.tokens.get(id) ?? { tokens: OWNER_CALL_BURST, at: now };
      // A clock that stepped back (another machine's after an eviction) refills nothing, never less.
      b.tokens = Math.min(
        OWNER_CALL_BURST,
        b.tokens + (Math.max(0, now - b.at) / 1000) * OWNER_CALLS_PER_SECOND,
      );
      b.at = now;
      this.tokens.set(id, b);
      if (b.tokens < 1) await sleep(this.host.clock, ((1 - b.tokens) / OWNER_CALLS_PER_SECOND) * 1000);
      b.tokens -= 1;
    }
    await this.send(id);
  }

  private async send(id: string): Promise<void> {
    const entry = this.owners.get(id);
    if (!entry) return;
    const now = this.host.clock.now();
    const demand = this.demanded.delete(id);
    const keys: RecordKey[] = [];
    const writes: Write[] = [];
    const drained: { key: RecordKey; delta: unknown }[] = [];
    const byVersion = entry.watermark !== undefined && entry.since !== undefined;
    for (const key of entry.keys) {
      const active = now - (this.asked.get(key) ?? Number.NEGATIVE_INFINITY) < ACTIVE_MS;
      // By version, only what this relay does not hold yet is asked for by name.
      if (active && (!byVersion || !this.records.has(key))) keys.push(key);
      const held = this.held.get(key);
      const fold = this.host.folds[kindOf(key)];
      if (held === undefined || !fold) continue;
      const delta = fold.drain(held, now, this.host.name);
      if (fold.idle(held, now)) this.held.delete(key);
      if (delta === undefined) continue;
      writes.push({ key, delta, urgent: this.urgent.has(key) || undefined });
      drained.push({ key, delta });
      this.urgent.delete(key);
    }
    // The backstop (tick) only carries writes; records are asked for when an isolate wants them.
    if (writes.length === 0 && (!demand || (keys.length === 0 && !byVersion))) return;
    this.ownerCalls += 1;
    this.calledAt.set(id, now);
    try {
      const records = await entry.stub.replicate({
        relay: this.host.name,
        keys,
        writes,
        ...(byVersion ? { since: entry.since } : {}),
      });
      const at = this.host.clock.now();
      for (const record of records) {
        if (record.key === entry.watermark) {
          entry.since = Math.max(entry.since ?? 0, record.version);
          continue;
        }
        // Changes of records nobody here asked for are not kept.
        if (entry.watermark !== undefined && !entry.keys.has(record.key)) continue;
        this.store(record, at);
      }
      // The watermark vouches for every record of the owner held here: none changed unsaid.
      if (entry.watermark !== undefined)
        for (const key of entry.keys) {
          const known = this.records.get(key);
          if (known) known.fetchedAt = at;
        }
    } catch (error) {
      for (const { key, delta } of drained) {
        const fold = this.host.folds[kindOf(key)];
        if (!fold) continue;
        const held = this.held.get(key);
        if (held === undefined) this.held.set(key, fold.add(undefined, delta, this.host.name, now));
        else fold.restore(held, delta);
      }
      console.warn(JSON.stringify({ msg: "owner call failed", relay: this.host.name, error: String(error) }));
    }
  }
}
