// Relay: the regional tier of replication (src/replication/relay-core.ts does the work). One per
// region shard (`weur:2`), placed near the locations it serves by a location hint. It keeps
// nothing in storage: after an eviction it asks owners again, and the writes it held for at most
// a second are the only thing lost. Its alarm forwards the last writes of a burst.
import { DurableObject } from "cloudflare:workers";
import { type Clock, systemClock } from "../src/clock";
import { folds, ownerOf } from "../src/replication/owners";
import type { ExchangeRequest, Versioned } from "../src/replication/record";
import { RelayCore } from "../src/replication/relay-core";

export class Relay extends DurableObject<Env> {
  /** Replaced in tests to drive time. */
  clock: Clock = systemClock;
  private core?: RelayCore;

  private get relay(): RelayCore {
    this.core ??= new RelayCore({
      name: this.ctx.id.name ?? this.ctx.id.toString(),
      clock: {
        now: () => this.clock.now(),
        random: () => this.clock.random(),
        setTimer: (ms, fn) => this.clock.setTimer(ms, fn),
      },
      ownerOf: (key) => ownerOf(this.env, key),
      folds,
      wake: (at) => {
        // Alarms run on the platform's clock: the same delay, whatever clock the core runs on.
        this.ctx.waitUntil(this.wakeAt(Date.now() + Math.max(0, at - this.clock.now())));
      },
    });
    return this.core;
  }

  exchange(request: ExchangeRequest): Promise<Versioned[]> {
    return this.relay.exchange(request);
  }

  push(records: Versioned[]): void {
    this.relay.push(records);
  }

  /** Counters, for tests and status. */
  counters(): { exchanges: number; ownerCalls: number; pushesIn: number } {
    const { exchanges, ownerCalls, pushesIn } = this.relay;
    return { exchanges, ownerCalls, pushesIn };
  }

  override async alarm(): Promise<void> {
    await this.relay.tick();
  }

  private async wakeAt(at: number): Promise<void> {
    const set = await this.ctx.storage.getAlarm();
    if (set === null || set > at) await this.ctx.storage.setAlarm(at);
  }
}
