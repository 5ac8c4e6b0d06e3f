// Scenarios 3 and 4, per strategy: three backends of which one is 50 ms slower (latency and the
// share of traffic it still gets, at steady state after a one-second warm-up), and three of which
// one refuses connections or answers 503 (the error rate the client sees with the default retry,
// each run from a fresh isolate, so the failure has to be discovered every time). Scenario 5:
// every backend failing (answering 503, or resetting each connection after reading the request),
// and how many upstream attempts each client request then costs.
import { addBackends, type Bench, isolateCounters, pool, settle, withAya } from "./common.ts";
import { type LoadResult, load, repeat } from "./load.ts";

export const STRATEGIES = ["round-robin", "least-connections", "least-response-time"] as const;
export type Strategy = (typeof STRATEGIES)[number];
export const SLOW_MS = 50;

export interface SlowResult {
  results: LoadResult[];
  /** Per run: share of the requests the slow backend received. */
  slowShare: number[];
}

export async function slowBackend(bench: Bench, strategy: Strategy): Promise<SlowResult> {
  const { origins, plan } = bench;
  const backends = await addBackends(origins, `slow-${strategy}`, 3);
  const ids = backends.map((b) => b.id);
  await origins.mode(ids[2] as string, `delay:${SLOW_MS}`);
  const gateway = { pools: { p: pool(strategy, backends) }, routes: [{ path: "/*", pool: "p" }] };
  return withAya(bench, gateway, async (w) => {
    await load(`${w.url}/x`, { seconds: 1, connections: plan.connections });
    const out: SlowResult = { results: [], slowShare: [] };
    await repeat(plan.runs, async (i) => {
      bench.progress(`slow backend, ${strategy}: run ${i + 1}/${plan.runs}`);
      await settle();
      for (const id of ids) await origins.reset(id);
      out.results.push(
        await load(`${w.url}/x`, { seconds: plan.shortSeconds, connections: plan.connections }),
      );
      const hits = await Promise.all(ids.map((id) => origins.hits(id)));
      const total = hits.reduce((a, b) => a + b, 0);
      out.slowShare.push(total ? (hits[2] as number) / total : Number.NaN);
    });
    return out;
  });
}

export type Fault = "refuse" | "503";

export async function failingBackend(bench: Bench, strategy: Strategy, fault: Fault): Promise<LoadResult[]> {
  const { origins, plan } = bench;
  const backends = await addBackends(origins, `fail-${strategy}-${fault}`, 3);
  const failing = (backends[0] as { id: string }).id;
  if (fault === "refuse") await origins.stop(failing);
  else await origins.mode(failing, "status:503");
  const gateway = { pools: { p: pool(strategy, backends) }, routes: [{ path: "/*", pool: "p" }] };
  return repeat(plan.runs, (i) => {
    bench.progress(`failing backend (${fault}), ${strategy}: run ${i + 1}/${plan.runs}`);
    return withAya(bench, gateway, (w) =>
      load(`${w.url}/x`, { seconds: plan.shortSeconds, connections: plan.connections }),
    );
  });
}

export const PERSISTENT_FAULTS = ["503", "reset"] as const;
export type PersistentFault = (typeof PERSISTENT_FAULTS)[number];

export interface PersistentRun {
  /**
   * Client requests the isolate served (its own count: the load generator does not count the
   * requests still in flight when it stops, whose attempts the backends did receive).
   */
  requests: number;
  /** Requests the backends received (read whole before a reset, so each is real upstream load). */
  attempts: number;
  seconds: number;
}

/** Every backend of the pool failing, default retry policy and budget, a fresh isolate per run. */
export async function persistentFailure(bench: Bench, fault: PersistentFault): Promise<PersistentRun[]> {
  const { origins, plan } = bench;
  const backends = await addBackends(origins, `all-${fault}`, 3);
  for (const b of backends) await origins.mode(b.id, fault === "503" ? "status:503" : "reset");
  const gateway = {
    pools: { p: pool("least-response-time", backends) },
    routes: [{ path: "/*", pool: "p" }],
  };
  return repeat(plan.runs, async (i) => {
    bench.progress(`every backend failing (${fault}): run ${i + 1}/${plan.runs}`);
    for (const b of backends) await origins.reset(b.id);
    return withAya(bench, gateway, async (w) => {
      const result = await load(`${w.url}/x`, { seconds: plan.shortSeconds, connections: plan.connections });
      await settle();
      const { requests } = await isolateCounters(w.url);
      const hits = await Promise.all(backends.map((b) => origins.hits(b.id)));
      return { requests, attempts: hits.reduce((a, b) => a + b, 0), seconds: result.seconds };
    });
  });
}
