// Scenarios 1 and 2: aya against a pass-through Worker on the same origin, same concurrency, with
// the Durable Object calls per request counted over the very same aya runs. Each round loads, in
// turn, the origin alone, an empty Worker (workerd's own floor), the pass-through Worker, aya
// proxying, and aya answering a `respond` route (Hono, config and routing with no upstream), so
// that slow drift on a shared machine touches every row alike. A separate instance is profiled.
import { addBackends, type Bench, isolateCounters, pool, withAya } from "./common.ts";
import { type LoadResult, load, repeat } from "./load.ts";
import { attribute, type ProfileSummary, profile } from "./profile.ts";
import { type RunningWorker, startAya, startHello, startPassThrough } from "./runtime.ts";

export interface DoCalls {
  /** Per aya run: DO calls / requests the isolate prepared. */
  perRequest: number[];
  calls: number;
  isolateRequests: number;
  /** Requests the load generator completed in the same runs (a check that one isolate saw them all). */
  clientRequests: number;
  seconds: number;
}

export interface OverheadResult {
  origin: LoadResult[];
  hello: LoadResult[];
  passThrough: LoadResult[];
  aya: LoadResult[];
  respond: LoadResult[];
  doCalls: DoCalls;
}

const gatewayFor = (origin: string) => ({
  pools: { p: pool("least-response-time", [{ id: "o1", url: origin }]) },
  routes: [
    { path: "/static", respond: { status: 200, body: "ok" } },
    { path: "/*", pool: "p" },
  ],
});

export async function overhead(bench: Bench): Promise<OverheadResult> {
  const [origin] = await addBackends(bench.origins, "overhead", 1);
  const originUrl = (origin as { url: string }).url;
  const hello = await startHello();
  const passThrough = await startPassThrough(originUrl);
  try {
    return await withAya(bench, gatewayFor(originUrl), (aya) =>
      rounds(bench, originUrl, hello, passThrough, aya),
    );
  } finally {
    await passThrough.stop();
    await hello.stop();
  }
}

async function rounds(
  bench: Bench,
  originUrl: string,
  hello: RunningWorker,
  passThrough: RunningWorker,
  aya: RunningWorker,
): Promise<OverheadResult> {
  const { seconds, connections, overheadRuns: runs } = bench.plan;
  const run = (url: string, worker?: RunningWorker) =>
    load(url, {
      seconds,
      connections,
      cpu: { "load generator": process.pid, origins: bench.origins.pid, workerd: worker?.pid },
    });
  for (const w of [hello, passThrough, aya]) await load(`${w.url}/x`, { seconds: 1, connections });
  await load(`${aya.url}/static`, { seconds: 1, connections });
  const out: OverheadResult = {
    origin: [],
    hello: [],
    passThrough: [],
    aya: [],
    respond: [],
    doCalls: { perRequest: [], calls: 0, isolateRequests: 0, clientRequests: 0, seconds: 0 },
  };
  await repeat(runs, async (i) => {
    bench.progress(`overhead: round ${i + 1}/${runs}`);
    out.origin.push(await run(`${originUrl}/x`));
    out.hello.push(await run(`${hello.url}/x`, hello));
    out.passThrough.push(await run(`${passThrough.url}/x`, passThrough));
    const before = await isolateCounters(aya.url);
    const result = await run(`${aya.url}/x`, aya);
    const after = await isolateCounters(aya.url);
    out.aya.push(result);
    countDoCalls(out.doCalls, before, after, result);
    out.respond.push(await run(`${aya.url}/static`, aya));
  });
  return out;
}

function countDoCalls(
  into: DoCalls,
  before: { requests: number; doCalls: number },
  after: { requests: number; doCalls: number },
  result: LoadResult,
): void {
  const requests = after.requests - before.requests;
  const calls = after.doCalls - before.doCalls;
  into.perRequest.push(requests > 0 ? calls / requests : Number.NaN);
  into.calls += calls;
  into.isolateRequests += requests;
  into.clientRequests += result.requests;
  into.seconds += result.seconds;
}

/** A CPU profile of aya's isolate while it proxies, on an instance of its own (the inspector costs). */
export async function profileOverhead(bench: Bench): Promise<ProfileSummary> {
  bench.progress("overhead: CPU profile of aya's isolate");
  const [origin] = await addBackends(bench.origins, "profile", 1);
  const aya = await startAya(bench.script, gatewayFor((origin as { url: string }).url), true);
  try {
    const { connections } = bench.plan;
    await load(`${aya.url}/x`, { seconds: 1, connections });
    const p = await profile(aya.inspector as string, () =>
      load(`${aya.url}/x`, { seconds: bench.plan.shortSeconds, connections }),
    );
    return attribute(p, bench.script);
  } finally {
    await aya.stop();
  }
}
