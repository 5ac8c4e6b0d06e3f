// GET /__aya/status: every pool and provider with each backend's health, circuit, in-flight,
// latency, last probe and counters, read from the BackendState objects (the admin path may pay
// for Durable Object calls; the request path never does). URLs are shown without credentials.
import type { Context } from "hono";
import type { Backend, Pool } from "../config/normalize";
import type { AppEnv } from "../env";
import { operatorFields } from "../overlay/drain";
import type { BackendStatus } from "../state/protocol";
import { specOf } from "../state/protocol";
import { isolateReplication } from "../state/sync";
import { overlaySummary, runtimeView } from "./runtime-view";

interface StatusNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): {
    status(): Promise<BackendStatus>;
    sync(spec: unknown, report: null): Promise<unknown>;
  };
}

export async function statusReport(c: Context<AppEnv>): Promise<Response> {
  // The deployed config with the runtime changes, read fresh (src/admin/runtime-view.ts).
  const view = await runtimeView(c);
  const gateway = view.gateway;
  const now = c.get("runtime").clock.now();
  const ns = c.env.BACKEND_STATE as unknown as StatusNamespace;
  const describe = async (backend: Backend, pool?: Pool) => {
    const stub = ns.get(ns.idFromName(backend.id));
    let s: BackendStatus | undefined;
    try {
      // sync(spec, null) tells an object that never heard of its backend what it is.
      await stub.sync(specOf(backend), null);
      s = await stub.status();
    } catch (error) {
      return { id: backend.id, url: safeUrl(backend.url), error: `state unavailable: ${String(error)}` };
    }
    return {
      id: backend.id,
      url: safeUrl(backend.url),
      weight: backend.weight,
      healthy: s.healthy ?? true,
      probed: s.healthy !== null,
      circuit: s.cooldownUntil > s.at ? "open" : s.circuit,
      ...(s.cooldownUntil > s.at ? { cooldownUntil: new Date(s.cooldownUntil).toISOString() } : {}),
      inflight: s.inflight,
      ewmaLatencyMs: Math.round(s.ewmaLatencyMs * 10) / 10,
      lastProbe: s.lastProbe,
      requests: s.requests,
      failures: s.failures,
      ...(Object.keys(s.usage).length ? { usage: s.usage } : {}),
      // Drained, disabled, slow start: what operators did at run time (src/overlay/drain.ts).
      ...(pool ? operatorFields(backend, pool, s.inflight, now) : {}),
    };
  };
  const pools = await Promise.all(
    [...gateway.pools.values()].map(async (pool) => ({
      name: pool.name,
      strategy: pool.strategy,
      backends: await Promise.all(pool.backends.map((b) => describe(b, pool))),
    })),
  );
  const providers = await Promise.all(
    [...gateway.providers.values()].map(async (provider) => {
      const backend = gateway.backends.get(provider.name) as Backend;
      return { name: provider.name, type: provider.type, ...(await describe(backend)) };
    }),
  );
  return c.json({
    isolate: {
      requests: isolateReplication.requests,
      doCalls: isolateReplication.calls,
      // Limits: calls to Limits objects (leases, admissions, settlements), and takes that waited.
      limitCalls: c.get("runtime").limiter.calls,
      limitWaits: c.get("runtime").limiter.waits,
    },
    overlay: overlaySummary(view),
    pools,
    providers,
  });
}

function safeUrl(raw: string): string {
  const url = new URL(raw);
  url.username = "";
  url.password = "";
  url.search = "";
  return url.toString().replace(/\/$/, "");
}
