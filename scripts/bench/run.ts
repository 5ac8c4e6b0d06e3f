// `npm run bench [-- --quick] [-- --json] [-- --write]`: aya in workerd against a pass-through
// Worker, with local origins on 127.0.0.1 and autocannon as the load; then slow and failing
// backends per strategy, the cache and the AI path. Prints the table and keeps it in .bench/;
// a full run with --write replaces docs/BENCHMARKS.md instead (output.ts). With --json prints
// one line of JSON last. Progress goes to stderr. Full mode: every figure is
// the median of three runs with its spread, in under 5 minutes on 2 cores; --quick: one short
// run each, in under 2 minutes (nothing in the test suite depends on either).
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname } from "node:path";
import { ai } from "./ai.ts";
import {
  failingBackend,
  PERSISTENT_FAULTS,
  type PersistentFault,
  type PersistentRun,
  persistentFailure,
  STRATEGIES,
  type Strategy,
  slowBackend,
} from "./backends.ts";
import { cache } from "./cache.ts";
import type { Bench, Plan } from "./common.ts";
import { figures, type Results, toJson } from "./figures.ts";
import { identity } from "./identity.ts";
import { stopAll, stopOnSignals } from "./lifecycle.ts";
import { limits } from "./limits.ts";
import { markdown } from "./markdown.ts";
import { observability } from "./observability.ts";
import { startOrigins } from "./origins.ts";
import { benchOutput } from "./output.ts";
import { overhead, profileOverhead } from "./overhead.ts";
import { buildWorker, versions } from "./runtime.ts";

function planFrom(argv: string[]): Plan {
  const quick = argv.includes("--quick");
  return quick
    ? { quick, runs: 1, overheadRuns: 1, seconds: 2, shortSeconds: 2, connections: 32 }
    : { quick, runs: 3, overheadRuns: 5, seconds: 3, shortSeconds: 2, connections: 32 };
}

async function perStrategy<T>(run: (s: Strategy) => Promise<T>): Promise<Record<Strategy, T>> {
  const out = {} as Record<Strategy, T>;
  for (const s of STRATEGIES) out[s] = await run(s);
  return out;
}

async function profileOrNote(bench: Bench) {
  try {
    return await profileOverhead(bench);
  } catch (error) {
    return { note: String(error) };
  }
}

async function measure(bench: Bench): Promise<Results> {
  const overheadRuns = await overhead(bench);
  const observe = await observability(bench);
  const profile = await profileOrNote(bench);
  const slow = await perStrategy((s) => slowBackend(bench, s));
  const failing = await perStrategy(async (s) => ({
    refuse: await failingBackend(bench, s, "refuse"),
    status503: await failingBackend(bench, s, "503"),
  }));
  const persistent = {} as Record<PersistentFault, PersistentRun[]>;
  for (const fault of PERSISTENT_FAULTS) persistent[fault] = await persistentFailure(bench, fault);
  bench.progress("cache");
  const cacheRuns = await cache(bench);
  bench.progress("AI path");
  const aiRuns = await ai(bench);
  const identityRuns = await identity(bench);
  const limitsRuns = await limits(bench);
  return {
    overhead: overheadRuns,
    observability: observe,
    profile,
    slow,
    failing,
    persistent,
    cache: cacheRuns,
    ai: aiRuns,
    identity: identityRuns,
    limits: limitsRuns,
  };
}

function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
  return `${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${process.platform}`;
}

async function main(): Promise<void> {
  const started = performance.now();
  const plan = planFrom(process.argv.slice(2));
  const output = benchOutput(process.argv.slice(2));
  if (!output.ok) {
    console.error(output.problem);
    process.exit(1);
  }
  const asJson = process.argv.includes("--json");
  const progress = (message: string) =>
    console.error(`[${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}`);
  stopOnSignals();
  try {
    progress("building the Worker (wrangler deploy --dry-run)");
    const script = buildWorker();
    const origins = await startOrigins();
    const results = await measure({ plan, script, origins, progress });
    const wallSeconds = (performance.now() - started) / 1000;
    const f = figures(results);
    const text = markdown(f, {
      machine: machine(),
      versions: versions(),
      command: ["npm run bench", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(
        " ",
      ),
      date: new Date().toISOString().slice(0, 10),
      runs: plan.runs,
      overheadRuns: plan.overheadRuns,
      seconds: plan.seconds,
      shortSeconds: plan.shortSeconds,
      connections: plan.connections,
      wallSeconds,
    });
    mkdirSync(dirname(output.file), { recursive: true });
    writeFileSync(output.file, text);
    console.log(text);
    progress(`done in ${wallSeconds.toFixed(0)} s; written to ${output.file}`);
    if (asJson) console.log(JSON.stringify(toJson(f, { runs: plan.runs, quick: plan.quick, wallSeconds })));
  } finally {
    await stopAll();
  }
}

await main();
