// The isolate side of replication. Requests read records from this isolate's memory, never
// waiting for I/O; a record older than MEMORY_TTL_MS is refreshed in the background
// (`waitUntil`) from the location's copy, and when that copy is older than LOCATION_TTL_MS, by one
// isolate of the location, from the relay. Only a record this isolate does not know makes a
// request wait, at most COLD_WAIT_MS, once. A stale record keeps serving while it is refreshed.
//
// "Knows" can be given a lifetime (`expireMs`): a record whose last confirmation is older counts
// as unknown. Consumer keys use it, so that an isolate that has not seen a key for a while asks
// again before it trusts it (a revocation then holds within that lifetime, idle isolates too);
// backends do not (a stale backend view costs at most one retry).
//
// A refresh takes every stale record this isolate used lately, not only the request's, so a
// location asks its relay once per interval for all it needs, not once per route.
import { type Clock, within } from "../clock";
import type { LocationStore } from "./location";
import { isNewer, kindOf, type RecordKey, type RelayLink, type Versioned } from "./record";
import { ACTIVE_MS, COLD_WAIT_MS, LOCATION_TTL_MS, MEMORY_TTL_MS, RETRY_AFTER_ERROR_MS } from "./timing";

/** What a refresh needs from the request it runs in. */
export interface ReplicaLinks {
  location: LocationStore;
  relay: RelayLink;
  waitUntil(promise: Promise<unknown>): void;
}

export interface PrepareOptions {
  /** A record last confirmed longer ago than this counts as unknown: the request waits for it. */
  expireMs?: number;
  /** How long a request waits for records it does not know (default COLD_WAIT_MS). */
  waitMs?: number;
}

interface Slot {
  record?: Versioned;
  /** When this isolate last looked for a newer copy (its own clock, ms). */
  checkedAt: number;
  /** When the copy held was last confirmed by the relay (a location's clock, ms). */
  confirmedAt: number;
  /** When a request last read it: records nobody reads are no longer refreshed. */
  usedAt: number;
  busy: boolean;
  /** After a failed refresh, not before then. */
  retryAt: number;
}

export type RecordListener = (record: Versioned) => void;

export class Replica {
  /** Calls to the relay this isolate made to read records, and location copies it read. */
  relayReads = 0;
  locationReads = 0;
  private readonly slots = new Map<RecordKey, Slot>();
  private readonly listeners = new Map<string, RecordListener[]>();
  /** The latest refresh on its way, for requests that need a record another request is fetching. */
  private inflight: Promise<void> | undefined;
  private id = "";

  /** `newId` is called on first use: Workers allow no randomness at global scope. */
  constructor(
    private readonly clock: Clock,
    private readonly newId: () => string = () => crypto.randomUUID(),
  ) {}

  /** This isolate's id, as relays know it. */
  get isolateId(): string {
    if (!this.id) this.id = this.newId();
    return this.id;
  }

  get<T>(key: RecordKey): Versioned<T> | undefined {
    return this.slots.get(key)?.record as Versioned<T> | undefined;
  }

  /** When the record held was last confirmed by the relay (undefined: never). */
  confirmedAt(key: RecordKey): number | undefined {
    const slot = this.slots.get(key);
    return slot?.record ? slot.confirmedAt : undefined;
  }

  /** Called with every newer record of `kind` this isolate adopts. */
  on(kind: string, listener: RecordListener): void {
    const list = this.listeners.get(kind) ?? [];
    list.push(listener);
    this.listeners.set(kind, list);
  }

  /** Takes a record confirmed at `confirmedAt` if it is newer than the one held; true when it was. */
  adopt(record: Versioned, confirmedAt = this.clock.now()): boolean {
    const slot = this.slot(record.key);
    if (isNewer(slot.record, record)) {
      slot.record = record;
      slot.confirmedAt = confirmedAt;
      for (const listener of this.listeners.get(kindOf(record.key)) ?? []) listener(record);
      return true;
    }
    if (slot.record?.version === record.version) slot.confirmedAt = Math.max(slot.confirmedAt, confirmedAt);
    return false;
  }

  /**
   * Called by a request with the records it is about to read: starts the background refresh of
   * those that are stale (with every other stale record used lately), and waits, at most
   * `waitMs`, only for records this isolate does not know.
   */
  async prepare(
    keys: readonly RecordKey[],
    links: ReplicaLinks,
    options: PrepareOptions = {},
  ): Promise<void> {
    const now = this.clock.now();
    const unknown = new Set<RecordKey>();
    let due = false;
    for (const key of keys) {
      const slot = this.slot(key);
      slot.usedAt = now;
      const known =
        slot.record !== undefined &&
        (options.expireMs === undefined || now - slot.confirmedAt <= options.expireMs);
      if (!known) unknown.add(key);
      if (this.stale(slot, now) || (!known && !slot.busy && now >= slot.retryAt)) due = true;
    }
    if (!due) {
      // What this request does not know is already being fetched, by another request.
      if (unknown.size > 0) await this.waitFor(this.inflight, options.waitMs ?? COLD_WAIT_MS);
      return;
    }
    const refresh: RecordKey[] = [];
    for (const [key, slot] of this.slots) {
      const wanted = unknown.has(key) ? !slot.busy && now >= slot.retryAt : this.stale(slot, now);
      if (!wanted || now - slot.usedAt > ACTIVE_MS) continue;
      slot.busy = true;
      slot.checkedAt = now;
      refresh.push(key);
    }
    const work = this.refresh(refresh, unknown, links);
    links.waitUntil(work);
    if (unknown.size > 0) await this.waitFor(work, options.waitMs ?? COLD_WAIT_MS);
  }

  private stale(slot: Slot, now: number): boolean {
    return !slot.busy && now >= slot.retryAt && now - slot.checkedAt >= MEMORY_TTL_MS;
  }

  private slot(key: RecordKey): Slot {
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { checkedAt: 0, confirmedAt: 0, usedAt: 0, busy: false, retryAt: 0 };
      this.slots.set(key, slot);
    }
    return slot;
  }

  /** Waits for a refresh, at most `ms`. */
  private async waitFor(work: Promise<void> | undefined, ms: number): Promise<void> {
    if (work) await within(this.clock, ms, work);
  }

  private async refresh(
    keys: RecordKey[],
    unknown: ReadonlySet<RecordKey>,
    links: ReplicaLinks,
  ): Promise<void> {
    const run = this.refreshOnce(keys, unknown, links);
    this.inflight = run;
    try {
      await run;
    } finally {
      if (this.inflight === run) this.inflight = undefined;
    }
  }

  private async refreshOnce(
    keys: RecordKey[],
    unknown: ReadonlySet<RecordKey>,
    links: ReplicaLinks,
  ): Promise<void> {
    const now = this.clock.now();
    const settle = (key: RecordKey, failed: boolean) => {
      const slot = this.slots.get(key);
      if (!slot) return;
      slot.busy = false;
      if (failed) slot.retryAt = now + RETRY_AFTER_ERROR_MS;
    };
    const ask: RecordKey[] = [];
    try {
      this.locationReads += keys.length;
      const copies = await Promise.all(keys.map((key) => links.location.read(key)));
      const due: { key: RecordKey; since: number }[] = [];
      keys.forEach((key, i) => {
        const copy = copies[i];
        if (copy) this.adopt(copy.record, copy.storedAt);
        if (copy && now - copy.storedAt < LOCATION_TTL_MS) settle(key, false);
        else due.push({ key, since: copy?.storedAt ?? Number.NEGATIVE_INFINITY });
      });
      // One isolate of the location refreshes a copy; a request that waits for a record cannot
      // leave it to another isolate.
      const claims = await Promise.all(
        due.map(({ key, since }) => (unknown.has(key) ? true : links.location.claim(key, now, since))),
      );
      due.forEach(({ key }, i) => {
        if (claims[i]) ask.push(key);
        else settle(key, false);
      });
      if (ask.length === 0) return;
      this.relayReads += 1;
      const records = await links.relay.exchange({ from: this.isolateId, keys: ask, writes: [] });
      const storedAt = this.clock.now();
      for (const record of records) {
        this.adopt(record, storedAt);
        links.waitUntil(links.location.write({ record, storedAt }));
      }
      for (const key of ask) settle(key, false);
    } catch (error) {
      // Keep serving the last copy; try again later.
      for (const key of ask.length ? ask : keys) settle(key, true);
      console.warn(JSON.stringify({ msg: "record refresh failed", error: String(error) }));
    }
  }
}
