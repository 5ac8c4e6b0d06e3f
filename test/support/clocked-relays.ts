// The relay namespace as a test's gateway sees it, with each relay object running on the test's
// clock (set once per object through runInDurableObject), so that "a second later" means the same
// thing to the isolate and to its relay.
import { env, runInDurableObject } from "cloudflare:test";
import type { Relay } from "../../durable-objects/relay";
import type { Clock } from "../../src/clock";
import type { RelayNamespace } from "../../src/replication/links";
import type { ExchangeRequest } from "../../src/replication/record";

export function clockedRelays(clock: Clock, namespace = env.RELAY): RelayNamespace {
  const clocked = new Set<string>();
  return {
    idFromName: (name) => namespace.idFromName(name),
    get(id, options) {
      const stub = namespace.get(id, options);
      return {
        async exchange(request: ExchangeRequest) {
          const key = id.toString();
          if (!clocked.has(key)) {
            await runInDurableObject(stub, (relay: Relay) => {
              relay.clock = clock;
            });
            clocked.add(key);
          }
          return stub.exchange(request);
        },
      };
    },
  };
}
