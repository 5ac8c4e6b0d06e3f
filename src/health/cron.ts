// The cron trigger: asks every backend's BackendState object to probe when its interval is due
// (and to keep its alarm set for intervals under a minute). Fan-out is parallel but bounded, and
// one unreachable object never stops the others.
import type { Backend, Gateway } from "../config/normalize";
import { type BackendSpec, specOf } from "../state/protocol";

const CONCURRENCY = 16;

export interface TickNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): { tick(spec: BackendSpec): Promise<unknown> };
}

export async function runHealthChecks(
  gateway: Gateway,
  namespace: TickNamespace,
): Promise<{ ticked: number; failed: number }> {
  const backends = [...gateway.backends.values()].filter((b) => b.healthCheck.enabled);
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < backends.length) {
      const backend = backends[next++] as Backend;
      try {
        await namespace.get(namespace.idFromName(backend.id)).tick(specOf(backend));
      } catch (error) {
        failed += 1;
        console.warn(
          JSON.stringify({ msg: "health tick failed", backend: backend.id, error: String(error) }),
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, backends.length) }, worker));
  return { ticked: backends.length, failed };
}
