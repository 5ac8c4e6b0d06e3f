// Scenario 5: a cached route answered from the cache (HIT) against the same origin uncached
// (MISS), and a MISS against an origin 50 ms away, which is what a HIT saves in production where
// the origin is not on the same machine. Origin hits during the HIT runs prove they were HITs.
import { addBackends, type Bench, pool, settle, withAya } from "./common.ts";
import { type LoadResult, load, repeat } from "./load.ts";

export const FAR_ORIGIN_MS = 50;

export interface CacheResult {
  hit: LoadResult[];
  miss: LoadResult[];
  farMiss: LoadResult[];
  /** Requests that reached the origin during the HIT runs (0 when every one was a HIT). */
  originHitsDuringHits: number;
}

export async function cache(bench: Bench): Promise<CacheResult> {
  const { origins, plan } = bench;
  const backends = await addBackends(origins, "cache", 1);
  const originId = (backends[0] as { id: string }).id;
  const gateway = {
    pools: { p: pool("round-robin", backends) },
    routes: [
      { path: "/cached/*", pool: "p", cache: { ttlSeconds: 3600 } },
      { path: "/*", pool: "p" },
    ],
  };
  return withAya(bench, gateway, async (w) => {
    const run = (path: string) =>
      load(`${w.url}${path}`, {
        seconds: plan.seconds,
        connections: plan.connections,
        cpu: { "load generator": process.pid, origins: origins.pid, workerd: w.pid },
      });
    await fetch(`${w.url}/cached/item`).then((r) => r.arrayBuffer());
    await load(`${w.url}/cached/item`, { seconds: 1, connections: plan.connections });
    await load(`${w.url}/uncached/item`, { seconds: 1, connections: plan.connections });
    const out: CacheResult = { hit: [], miss: [], farMiss: [], originHitsDuringHits: 0 };
    await repeat(plan.runs, async (i) => {
      bench.progress(`cache: run ${i + 1}/${plan.runs}`);
      await settle();
      await origins.reset(originId);
      out.hit.push(await run("/cached/item"));
      out.originHitsDuringHits += await origins.hits(originId);
      out.miss.push(await run("/uncached/item"));
      out.farMiss.push(await run(`/uncached/item?delay=${FAR_ORIGIN_MS}`));
    });
    return out;
  });
}
