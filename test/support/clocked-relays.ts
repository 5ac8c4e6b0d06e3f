// The relay namespace as a test's gateway sees it, with each relay object reading the test's clock
// (set once per object through runInDurableObject), so that "a second later" means the same thing
// to the isolate and to its relay.
import { env, runInDurableObject } from "cloudflare:test";
import type { Relay } from "../../durable-objects/relay";
import { type Clock, systemClock } from "../../src/clock";
import type { RelayNamespace } from "../../src/replication/links";
import type { ExchangeRequest } from "../../src/replication/record";

export interface ClockedRelays extends RelayNamespace {
  /**
   * Runs every relay's alarm now: the writes a relay holds (non-urgent ones wait for its alarm,
   * a real second) go on to their owners, as they would a moment later.
   */
  forward(): Promise<void>;
}

export function clockedRelays(clock: Clock, namespace = env.RELAY): ClockedRelays {
  const clocked = new Set<string>();
  const stubs = new Map<string, DurableObjectStub<Relay>>();
  return {
    async forward() {
      for (const stub of stubs.values()) await runInDurableObject(stub, (relay: Relay) => relay.alarm());
    },
    idFromName: (name) => namespace.idFromName(name),
    get(id, options) {
      const stub = namespace.get(id, options);
      return {
        async exchange(request: ExchangeRequest) {
          const key = id.toString();
          stubs.set(key, stub);
          if (!clocked.has(key)) {
            await runInDurableObject(stub, (relay: Relay) => {
              // The test's time, the platform's timers: a relay that paces its calls waits real
              // milliseconds, so no test has to know to move the clock for it.
              relay.clock = {
                now: () => clock.now(),
                random: () => clock.random(),
                setTimer: systemClock.setTimer,
              };
            });
            clocked.add(key);
          }
          return stub.exchange(request);
        },
      };
    },
  };
}
