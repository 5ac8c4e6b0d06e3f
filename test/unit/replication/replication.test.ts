// The replication mechanism in a small in-memory world (test/support/replication-world.ts): how
// many calls each tier makes, how fast a change travels, what a cold isolate waits, and what
// happens when a relay cannot be reached.
import { describe, expect, it } from "vitest";
import type { Fold } from "../../../src/replication/fold";
import type { OwnerRequest } from "../../../src/replication/record";
import { RelayCore } from "../../../src/replication/relay-core";
import {
  COLD_WAIT_MS,
  FLUSH_MS,
  LOCATION_TTL_MS,
  MEMORY_TTL_MS,
  RELAY_TTL_MS,
} from "../../../src/replication/timing";
import { replicationWorld, sumFold } from "../../support/replication-world";

const KEY = "n:a";

describe("reads", () => {
  it("a cold isolate waits for a record it never saw, at most COLD_WAIT_MS, once", async () => {
    const w = replicationWorld({ delayMs: 5 });
    w.owner.set(KEY, 7, false);
    const iso = w.isolate("ams");
    let done = false;
    const first = iso.request([KEY]).then(() => {
      done = true;
    });
    await w.run(COLD_WAIT_MS);
    await first;
    expect(done).toBe(true);
    expect(iso.replica.get(KEY)?.value).toBe(7);
    // Later requests never wait: they read memory.
    let waited = true;
    const second = iso.request([KEY]).then(() => {
      waited = false;
    });
    // No clock movement at all: only the promise chain itself.
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(waited).toBe(false);
    await second;
  });

  it("a slow relay costs a cold request COLD_WAIT_MS, not the relay's time", async () => {
    const w = replicationWorld({ delayMs: 200 });
    w.owner.set(KEY, 1, false);
    const iso = w.isolate("syd");
    let done = false;
    void iso.request([KEY]).then(() => {
      done = true;
    });
    await w.run(COLD_WAIT_MS + 5);
    expect(done).toBe(true);
    expect(iso.replica.get(KEY)).toBeUndefined();
    await w.run(2_000);
    expect(iso.replica.get(KEY)?.value).toBe(1);
  });

  it("the isolates of a location share one refresh per LOCATION_TTL_MS, and a relay asks its owner once per RELAY_TTL_MS", async () => {
    const w = replicationWorld({ delayMs: 5 });
    w.owner.set(KEY, 1, false);
    const isolates = Array.from({ length: 5 }, () => w.isolate("fra"));
    for (const iso of isolates) void iso.request([KEY]);
    await w.run(100);
    const seconds = 20;
    for (let ms = 0; ms < seconds * 1000; ms += 50) {
      for (const iso of isolates) void iso.request([KEY]);
      await w.run(50);
    }
    const relayReads = isolates.reduce((sum, iso) => sum + iso.replica.relayReads, 0);
    // Five cold isolates each ask once, then one refresh a second (give or take a tick) for all five.
    expect(relayReads).toBeLessThanOrEqual(5 + (seconds * 1000) / LOCATION_TTL_MS + 2);
    expect(w.owner.calls).toBeLessThanOrEqual(1 + (seconds * 1000) / RELAY_TTL_MS + 2);
  });
});

describe("writes", () => {
  it("are batched: an isolate flushes about once per FLUSH_MS however many requests it serves", async () => {
    const w = replicationWorld({ delayMs: 5 });
    const iso = w.isolate("lhr");
    for (let i = 0; i < 2_000; i++) {
      iso.counter.add(KEY, 1);
      void iso.request([KEY]);
      await w.run(10);
    }
    await w.run(FLUSH_MS * 2);
    void iso.request([KEY]);
    await w.run(FLUSH_MS * 2);
    expect(iso.outbox.flushes).toBeLessThanOrEqual(Math.ceil(20_000 / (FLUSH_MS * 0.75)) + 2);
    expect(w.owner.values.get(KEY)?.value).toBe(2_000);
  });

  it("an urgent write reaches the owner at once and every other location within LOCATION_TTL + MEMORY_TTL", async () => {
    const delay = 40;
    const w = replicationWorld({ delayMs: delay });
    w.owner.set(KEY, 0, false);
    const here = w.isolate("nrt", "relay-apac");
    // Relays are shared by locations (three each here, dozens at the edge), so a relay's copy may
    // already be up to RELAY_TTL_MS old when a location asks for it: only a push avoids that wait.
    const elsewhere = ["iad", "gru", "jnb", "cdg", "sin", "syd"].map((loc, i) =>
      w.isolate(loc, `relay-${i % 2}`),
    );
    // Locations come up at different moments, so their refreshes are out of phase.
    for (const [i, iso] of [here, ...elsewhere].entries()) {
      void iso.request([KEY]);
      await w.run(170 + i * 110);
    }
    const worst: number[] = [];
    for (let event = 1; event <= 8; event++) {
      // At a random moment of every tier's refresh cycle (seeded), traffic flowing all along.
      const wait = 10 * Math.floor(w.clock.random() * 150);
      for (let ms = 0; ms < wait; ms += 10) {
        for (const iso of elsewhere) void iso.request([KEY]);
        await w.run(10);
      }
      const start = w.clock.now();
      here.counter.add(KEY, 1, true);
      here.outbox.flush(here.links);
      const seen = new Map<number, number>();
      let pushed: number | undefined;
      for (let ms = 0; ms < 3_000; ms += 10) {
        if (w.owner.values.get(KEY)?.value === event && !seen.has(-1)) seen.set(-1, w.clock.now() - start);
        const relays = ["relay-0", "relay-1"].map((name) => w.relay(name).record(KEY)?.value);
        if (pushed === undefined && relays.every((v) => v === event)) pushed = w.clock.now() - start;
        for (const [i, iso] of elsewhere.entries()) {
          void iso.request([KEY]);
          if (iso.replica.get(KEY)?.value === event && !seen.has(i)) seen.set(i, w.clock.now() - start);
        }
        await w.run(10);
      }
      // At the owner after the isolate's and the relay's hops; at every relay one hop later, pushed.
      expect(seen.get(-1)).toBeLessThanOrEqual(5 * delay);
      expect(pushed).toBeLessThanOrEqual(7 * delay);
      expect(seen.size).toBe(elsewhere.length + 1);
      worst.push(Math.max(...seen.values()));
    }
    // Pushed to every relay at once: then only the location's and the isolate's refresh remain.
    for (const t of worst) expect(t).toBeLessThanOrEqual(LOCATION_TTL_MS + MEMORY_TTL_MS + 8 * delay);
  });

  it("survive an unreachable relay: the last copy keeps serving and nothing counted is lost", async () => {
    const w = replicationWorld({ delayMs: 5 });
    w.owner.set(KEY, 3, false);
    const iso = w.isolate("mad");
    void iso.request([KEY]);
    await w.run(200);
    const real = iso.links.relay;
    iso.links.relay = {
      exchange: async () => {
        throw new Error("unreachable");
      },
    };
    for (let i = 0; i < 100; i++) {
      iso.counter.add(KEY, 1);
      void iso.request([KEY]);
      await w.run(100);
    }
    expect(iso.replica.get(KEY)?.value).toBe(3);
    iso.links.relay = real;
    for (let i = 0; i < 30; i++) {
      void iso.request([KEY]);
      await w.run(500);
    }
    expect(w.owner.values.get(KEY)?.value).toBe(103);
  });
});

describe("a relay whose clock steps back", () => {
  it("still forwards writes at once to an owner it called 'later' (a move to another machine)", async () => {
    let now = 1_000_000;
    const calls: OwnerRequest[] = [];
    const relay = new RelayCore({
      name: "r",
      clock: { now: () => now, random: () => 0.5, setTimer: () => () => {} },
      ownerOf: () => ({
        id: "owner",
        stub: {
          replicate: async (request: OwnerRequest) => {
            calls.push(request);
            return [];
          },
        },
      }),
      folds: { n: sumFold as Fold },
      wake: () => {},
    });
    await relay.exchange({ from: "i", keys: [], writes: [{ key: KEY, delta: 1 }] });
    expect(calls).toHaveLength(1);
    now -= 60_000;
    await relay.exchange({ from: "i", keys: [], writes: [{ key: KEY, delta: 2 }] });
    expect(calls).toHaveLength(2);
    expect(calls[1]?.writes).toEqual([{ key: KEY, delta: 2 }]);
    // A second write within the interval on the new clock waits for the next call, as usual.
    await relay.exchange({ from: "i", keys: [], writes: [{ key: KEY, delta: 3 }] });
    expect(calls).toHaveLength(2);
  });
});
