// The Limits namespace as a test's gateway sees it: each Limits object reads the test's clock (set
// once per object), so windows roll over and budget periods end when the test moves the clock.
import { env, runInDurableObject } from "cloudflare:test";
import type { Limits } from "../../durable-objects/limits";
import type { Clock } from "../../src/clock";
import type { LimitsNamespace, LimitsStub } from "../../src/limits/limiter";

/** A Limits namespace whose objects cannot be reached: every call fails. */
export const unreachableLimits = {
  idFromName: (name: string) => ({ name }),
  get: () => {
    const fail = async () => {
      throw new Error("Durable Object unreachable");
    };
    return { lease: fail, admit: fail, settle: fail };
  },
};

export function clockedLimits(clock: Clock, namespace = env.LIMITS): LimitsNamespace {
  const clocked = new Set<string>();
  return {
    idFromName: (name) => namespace.idFromName(name),
    get(id) {
      const stub = namespace.get(id);
      const ready = async () => {
        const key = id.toString();
        if (clocked.has(key)) return;
        await runInDurableObject(stub, (limits: Limits) => {
          limits.now = () => clock.now();
        });
        clocked.add(key);
      };
      const client: LimitsStub = {
        lease: async (...args) => {
          await ready();
          return stub.lease(...args);
        },
        admit: async (...args) => {
          await ready();
          return stub.admit(...args);
        },
        settle: async (...args) => {
          await ready();
          return stub.settle(...args);
        },
      };
      return client;
    },
  };
}
