// What every scenario shares: the plan (how many runs, how long), the bundled Worker and the
// origins, and small helpers to build a GATEWAY config and to run aya for the length of a block.
import type { Origins } from "./origins.ts";
import { ADMIN_TOKEN, type RunningWorker, startAya } from "./runtime.ts";

export interface Plan {
  quick: boolean;
  /** Runs per figure; every figure is the median of these with its min–max. */
  runs: number;
  /**
   * Rounds of the overhead comparison: more than `runs`, because its ratio is the headline figure
   * and this shared machine drifts by tens of percent between seconds.
   */
  overheadRuns: number;
  /** Seconds of load per run for throughput figures (overhead, cache). */
  seconds: number;
  /** Seconds of load per run where the behaviour, not the peak rate, is measured. */
  shortSeconds: number;
  connections: number;
}

export interface Bench {
  plan: Plan;
  /** Path of the bundled Worker. */
  script: string;
  origins: Origins;
  progress(message: string): void;
}

/** A pool for the bench: active probes off, so that only the traffic decides. */
export function pool(strategy: string, backends: { id: string; url: string }[]) {
  return { strategy, backends, healthCheck: { enabled: false } };
}

/** Starts aya with this config, runs `body`, and stops it whatever happens. */
export async function withAya<T>(
  bench: Bench,
  gateway: unknown,
  body: (worker: RunningWorker) => Promise<T>,
): Promise<T> {
  const worker = await startAya(bench.script, gateway);
  try {
    return await body(worker);
  } finally {
    await worker.stop();
  }
}

export interface IsolateCounters {
  requests: number;
  doCalls: number;
  /** Calls to Limits objects, and takes of a limit that had to wait for one. */
  limitCalls: number;
  limitWaits: number;
}

/** The isolate's own counters from /__aya/status: requests prepared and Durable Object calls made. */
export async function isolateCounters(url: string): Promise<IsolateCounters> {
  const res = await fetch(`${url}/__aya/status`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  if (!res.ok) throw new Error(`/__aya/status answered ${res.status}`);
  const body = (await res.json()) as { isolate?: IsolateCounters };
  if (!body.isolate) throw new Error("/__aya/status has no isolate counters");
  return body.isolate;
}

/** Adds n origins named `${prefix}-1…n` and returns them as backends. */
export async function addBackends(origins: Origins, prefix: string, n: number) {
  const backends: { id: string; url: string }[] = [];
  for (let i = 1; i <= n; i++) {
    const id = `${prefix}-${i}`;
    backends.push({ id, url: await origins.add(id) });
  }
  return backends;
}

/**
 * Waits for the tail of the previous run to land: when the load generator stops, the requests
 * still queued in a saturated workerd reach the origin a few milliseconds later, and would
 * otherwise be counted as the next run's.
 */
export const settle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));
