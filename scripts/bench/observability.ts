// Scenario 1c: what the observe stage costs a request: the trace, the per-request record, the log
// line (JSON.stringify and console.log) and the metrics counted in the isolate. Measured twice:
//  - in a harness Worker (observe-harness.ts) that runs the stage's work n times per request:
//    once (n = 1, as in production) against not at all (n = 0), which includes whatever the
//    runtime spends once per request on logging; and LOOP times, whose CPU per request less the
//    same request's with no loop, divided by LOOP, is the cost of each further run of the stage,
//    with the noise of HTTP and of this shared machine divided by LOOP too;
//  - end to end: aya built twice, the second time with AYA_OBSERVABILITY false (no record, no
//    line, no metrics; the trace is made either way), both proxying the same origin in alternating
//    runs: the median, over rounds, of the difference in workerd CPU per request. Honest, but on
//    2 shared cores it moves by tens of µs from run to run, more than the stage costs.
import { addBackends, type Bench, pool } from "./common.ts";
import { type LoadResult, load, repeat } from "./load.ts";
import { buildHarness, buildWorker, type RunningWorker, startAya, startModule } from "./runtime.ts";

/** Times the harness runs the stage per request. */
export const LOOP = 200;

export interface ObservabilityResult {
  observed: LoadResult[];
  unobserved: LoadResult[];
  /** The harness: runs with the stage once, LOOP times, and not at all, in turn. */
  once: LoadResult[];
  looped: LoadResult[];
  bare: LoadResult[];
}

export async function observability(bench: Bench): Promise<ObservabilityResult> {
  const harness = await inALoop(bench);
  bench.progress("observability: building a bundle without the observe stage");
  const bare = buildWorker({ AYA_OBSERVABILITY: "false" }, ".bench/build-unobserved");
  const [origin] = await addBackends(bench.origins, "observe", 1);
  const gateway = {
    pools: { p: pool("least-response-time", [origin as { id: string; url: string }]) },
    routes: [{ path: "/*", pool: "p" }],
  };
  const observed = await startAya(bench.script, gateway);
  const unobserved = await startAya(bare, gateway);
  try {
    const { seconds, connections, overheadRuns } = bench.plan;
    const run = (w: RunningWorker) =>
      load(`${w.url}/x`, {
        seconds,
        connections,
        cpu: { "load generator": process.pid, origins: bench.origins.pid, workerd: w.pid },
      });
    for (const w of [observed, unobserved]) await load(`${w.url}/x`, { seconds: 1, connections });
    const out: ObservabilityResult = { observed: [], unobserved: [], ...harness };
    await repeat(overheadRuns, async (i) => {
      bench.progress(`observability: round ${i + 1}/${overheadRuns}`);
      // Alternate which goes first, so that neither always runs on a warmer machine.
      const order = i % 2 === 0 ? ([observed, unobserved] as const) : ([unobserved, observed] as const);
      for (const w of order) (w === observed ? out.observed : out.unobserved).push(await run(w));
    });
    return out;
  } finally {
    await observed.stop();
    await unobserved.stop();
  }
}

async function inALoop(bench: Bench): Promise<Pick<ObservabilityResult, "once" | "looped" | "bare">> {
  bench.progress("observability: the stage in a harness, once and in a loop");
  const worker = await startModule(
    "observe-harness",
    buildHarness("scripts/bench/observe-harness.ts", "observe-harness"),
  );
  try {
    const { shortSeconds, runs } = bench.plan;
    const run = (n: number) =>
      load(`${worker.url}/?n=${n}`, { seconds: shortSeconds, connections: 16, cpu: { workerd: worker.pid } });
    await run(LOOP);
    const out = { once: [] as LoadResult[], looped: [] as LoadResult[], bare: [] as LoadResult[] };
    await repeat(Math.max(4, runs + 1), async () => {
      out.bare.push(await run(0));
      out.once.push(await run(1));
      out.looped.push(await run(LOOP));
    });
    return out;
  } finally {
    await worker.stop();
  }
}
