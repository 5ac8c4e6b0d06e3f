// A small world for the replication mechanism, all in memory and on one hand-moved clock:
// locations (each a MemoryLocation), isolates (each a Replica with its Outbox), relays (RelayCore)
// and owners (a counter record per key, with an OwnerHub), with a fixed delay per hop. Unit tests
// drive it; every call is counted.
import type { Clock } from "../../src/clock";
import { sleep } from "../../src/clock";
import type { Fold } from "../../src/replication/fold";
import { MemoryLocation } from "../../src/replication/location";
import { Outbox, type WriteSource } from "../../src/replication/outbox";
import { OwnerHub } from "../../src/replication/owner-hub";
import type { OwnerRequest, RecordKey, RelayLink, Versioned, Write } from "../../src/replication/record";
import { RelayCore } from "../../src/replication/relay-core";
import { Replica, type ReplicaLinks } from "../../src/replication/replica";
import { ManualClock } from "./manual-clock";

/** A record whose value is a number the owner adds deltas to; `urgent` deltas are pushed. */
export const sumFold: Fold<{ sum: number }, number> = {
  add: (held, delta) => ({ sum: (held?.sum ?? 0) + delta }),
  drain: (held) => {
    if (held.sum === 0) return undefined;
    const out = held.sum;
    held.sum = 0;
    return out;
  },
  restore: (held, delta) => {
    held.sum += delta;
  },
  idle: (held) => held.sum === 0,
};

export class TestOwner {
  calls = 0;
  readonly values = new Map<RecordKey, Versioned<number>>();
  readonly hub: OwnerHub;
  private version = 0;

  constructor(
    private readonly clock: Clock,
    relays: Map<string, RelayCore>,
    private readonly delayMs: number,
  ) {
    this.hub = new OwnerHub(async (relay, records) => {
      await sleep(this.clock, this.delayMs);
      relays.get(relay)?.push(records);
    });
  }

  set(key: RecordKey, value: number, urgent: boolean): void {
    const record = { key, value, version: ++this.version, at: this.clock.now() };
    this.values.set(key, record);
    if (urgent) this.hub.push([record], this.clock.now());
  }

  async replicate(request: OwnerRequest): Promise<Versioned[]> {
    await sleep(this.clock, this.delayMs);
    this.calls += 1;
    this.hub.seen(request.relay, this.clock.now());
    for (const write of request.writes) {
      const known = this.values.get(write.key)?.value ?? 0;
      this.set(write.key, known + (write.delta as number), write.urgent === true);
    }
    const keys = new Set([...request.keys, ...request.writes.map((w) => w.key)]);
    const out = [...keys].map(
      (key) => this.values.get(key) ?? { key, value: null, version: 0, at: this.clock.now() },
    );
    await sleep(this.clock, this.delayMs);
    return out;
  }
}

/** An isolate's counter writes, as a WriteSource. */
export class Counter implements WriteSource {
  pending = new Map<RecordKey, number>();
  urgentKeys = new Set<RecordKey>();
  add(key: RecordKey, n: number, urgent = false): void {
    this.pending.set(key, (this.pending.get(key) ?? 0) + n);
    if (urgent) this.urgentKeys.add(key);
  }
  urgent(): boolean {
    return this.urgentKeys.size > 0;
  }
  take(): Write[] {
    const out = [...this.pending].map(([key, delta]) => ({
      key,
      delta,
      urgent: this.urgentKeys.has(key) || undefined,
    }));
    this.pending.clear();
    this.urgentKeys.clear();
    return out;
  }
  restore(writes: Write[]): void {
    for (const w of writes) this.add(w.key, w.delta as number, w.urgent === true);
  }
}

export function replicationWorld(options: { delayMs?: number } = {}) {
  const delay = options.delayMs ?? 20;
  const clock = new ManualClock(1_000_000, 7);
  const relays = new Map<string, RelayCore>();
  const owner = new TestOwner(clock, relays, delay);
  const relay = (name: string) => {
    let core = relays.get(name);
    if (!core) {
      core = new RelayCore({
        name,
        clock,
        ownerOf: () => ({ id: "owner", stub: owner }),
        folds: { n: sumFold as Fold },
        wake: (at) => {
          clock.setTimer(at - clock.now(), () => void core?.tick());
        },
      });
      relays.set(name, core);
    }
    return core;
  };
  const link = (name: string): RelayLink => ({
    async exchange(request) {
      await sleep(clock, delay);
      const out = await relay(name).exchange(request);
      await sleep(clock, delay);
      return out;
    },
  });
  const locations = new Map<string, MemoryLocation>();
  const isolate = (location: string, relayName = `relay-${location}`) => {
    let store = locations.get(location);
    if (!store) {
      store = new MemoryLocation();
      locations.set(location, store);
    }
    const replica = new Replica(clock, () => `${location}/${Math.floor(clock.random() * 1e9)}`);
    const outbox = new Outbox(clock, replica);
    const counter = new Counter();
    outbox.register(counter);
    const background: Promise<unknown>[] = [];
    const links: ReplicaLinks = {
      location: store,
      relay: link(relayName),
      waitUntil: (p) => background.push(p),
    };
    return {
      replica,
      outbox,
      counter,
      links,
      background,
      /** A request that reads `keys`: prepare, then flush when due. */
      async request(keys: RecordKey[]) {
        const prepared = replica.prepare(keys, links);
        outbox.flush(links);
        return prepared;
      },
    };
  };
  /** Moves time in small steps, letting every chain of promises run between them. */
  const run = async (ms: number, step = 5) => {
    for (let t = 0; t < ms; t += step) {
      clock.advance(Math.min(step, ms - t));
      for (let i = 0; i < 20; i++) await Promise.resolve();
    }
  };
  return { clock, owner, relay, relays, isolate, locations, run };
}
