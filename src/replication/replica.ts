// The isolate side of replication. Requests read records from this isolate's memory, never
// waiting for I/O; a record older than MEMORY_TTL_MS is refreshed in the background
// (`waitUntil`) from the location's copy, and when that copy is older than LOCATION_TTL_MS, by one
// isolate of the location, from the relay. Only a record this isolate has never seen makes a
// request wait, at most COLD_WAIT_MS, once. A stale record keeps serving while it is refreshed.
import { type Clock, sleep } from "../clock";
import type { LocationStore } from "./location";
import { isNewer, kindOf, type RecordKey, type RelayLink, type Versioned } from "./record";
import { COLD_WAIT_MS, LOCATION_TTL_MS, MEMORY_TTL_MS, RETRY_AFTER_ERROR_MS } from "./timing";

/** What a refresh needs from the request it runs in. */
export interface ReplicaLinks {
  location: LocationStore;
  relay: RelayLink;
  waitUntil(promise: Promise<unknown>): void;
}

interface Slot {
  record?: Versioned;
  /** When this isolate last looked for a newer copy (its own clock, ms). */
  checkedAt: number;
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

  /** Called with every newer record of `kind` this isolate adopts. */
  on(kind: string, listener: RecordListener): void {
    const list = this.listeners.get(kind) ?? [];
    list.push(listener);
    this.listeners.set(kind, list);
  }

  /** Takes a record if it is newer than the one held; true when it was. */
  adopt(record: Versioned): boolean {
    let slot = this.slots.get(record.key);
    if (!slot) {
      slot = { checkedAt: this.clock.now(), busy: false, retryAt: 0 };
      this.slots.set(record.key, slot);
    }
    if (!isNewer(slot.record, record)) return false;
    slot.record = record;
    for (const listener of this.listeners.get(kindOf(record.key)) ?? []) listener(record);
    return true;
  }

  /**
   * Called by a request with the records it is about to read: starts the background refresh of
   * those that are stale, and waits (at most COLD_WAIT_MS) only for records never seen here.
   */
  async prepare(keys: readonly RecordKey[], links: ReplicaLinks): Promise<void> {
    const now = this.clock.now();
    const stale: RecordKey[] = [];
    const cold = new Set<RecordKey>();
    for (const key of keys) {
      let slot = this.slots.get(key);
      if (!slot) {
        slot = { checkedAt: 0, busy: false, retryAt: 0 };
        this.slots.set(key, slot);
      }
      if (slot.busy || now < slot.retryAt || now - slot.checkedAt < MEMORY_TTL_MS) continue;
      slot.busy = true;
      slot.checkedAt = now;
      stale.push(key);
      if (!slot.record) cold.add(key);
    }
    if (stale.length === 0) return;
    const work = this.refresh(stale, cold, links);
    links.waitUntil(work);
    if (cold.size > 0) await Promise.race([work, sleep(this.clock, COLD_WAIT_MS)]);
  }

  private async refresh(keys: RecordKey[], cold: ReadonlySet<RecordKey>, links: ReplicaLinks): Promise<void> {
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
        if (copy) this.adopt(copy.record);
        if (copy && now - copy.storedAt < LOCATION_TTL_MS) settle(key, false);
        else due.push({ key, since: copy?.storedAt ?? Number.NEGATIVE_INFINITY });
      });
      // One isolate of the location refreshes a copy; a record never seen here cannot wait for it.
      const claims = await Promise.all(
        due.map(({ key, since }) => (cold.has(key) ? true : links.location.claim(key, now, since))),
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
        this.adopt(record);
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
