// Every configured backend's and provider's state, read from its BackendState object, for the
// admin pages that show them (metrics gauges, the dashboard). The admin path may pay for object
// calls; the request path never does. An object that cannot be reached is reported as such.
import type { Backend, Gateway } from "../config/normalize";
import type { AppEnv } from "../env";
import type { BackendStatus } from "../state/protocol";
import { specOf } from "../state/protocol";

export interface BackendState {
  backend: Backend;
  /** The pool or provider it belongs to. */
  owner: string;
  kind: "pool" | "provider";
  /** The pool's strategy, or the provider's type. */
  detail: string;
  status?: BackendStatus;
  error?: string;
}

interface StatusNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): {
    status(): Promise<BackendStatus>;
    sync(spec: unknown, report: null): Promise<unknown>;
  };
}

export async function readBackendStates(env: AppEnv["Bindings"], gateway: Gateway): Promise<BackendState[]> {
  const ns = env.BACKEND_STATE as unknown as StatusNamespace;
  const read = async (
    backend: Backend,
    kind: BackendState["kind"],
    detail: string,
  ): Promise<BackendState> => {
    const stub = ns.get(ns.idFromName(backend.id));
    const known = { backend, owner: backend.owner, kind, detail };
    try {
      // sync(spec, null) tells an object that never heard of its backend what it is.
      await stub.sync(specOf(backend), null);
      return { ...known, status: await stub.status() };
    } catch (error) {
      return { ...known, error: `state unavailable: ${String(error)}` };
    }
  };
  return Promise.all([
    ...[...gateway.pools.values()].flatMap((pool) =>
      pool.backends.map((b) => read(b, "pool", pool.strategy)),
    ),
    ...[...gateway.providers.values()].flatMap((provider) => {
      const backend = gateway.backends.get(provider.name);
      return backend ? [read(backend, "provider", provider.type)] : [];
    }),
  ]);
}

/** Whether the backend is out of rotation by its circuit (or a provider's 429 cool-down). */
export function circuitOpen(s: BackendStatus): boolean {
  return s.circuit === "open" || s.cooldownUntil > s.at;
}
