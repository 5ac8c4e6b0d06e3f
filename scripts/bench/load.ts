// The load generator (autocannon, in this process) against one URL for a fixed time and
// concurrency, with the CPU time the named processes spent meanwhile; and the statistics used for
// every figure: the median of several runs with its spread.
import autocannon from "autocannon";
import { type CpuUse, cpuMeter } from "./cpu.ts";

export interface LoadOptions {
  seconds: number;
  connections: number;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  /** Processes whose CPU time to measure during the run, by name. */
  cpu?: Record<string, number | undefined>;
}

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  non2xx: number;
  seconds: number;
  cpuMs: CpuUse;
}

export async function load(url: string, options: LoadOptions): Promise<LoadResult> {
  const meter = cpuMeter(options.cpu ?? {});
  const result = await autocannon({
    url,
    duration: options.seconds,
    connections: options.connections,
    method: options.method ?? "GET",
    headers: options.headers,
    body: options.body,
    pipelining: 1,
  });
  const cpuMs = meter();
  const seconds = result.duration || options.seconds;
  return {
    rps: result.requests.total / seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    seconds,
    cpuMs,
  };
}

/** Share of requests the client saw fail: a non-2xx status or a connection error. */
export const errorRate = (r: LoadResult) => (r.requests ? (r.non2xx + r.errors) / r.requests : 0);

/** CPU microseconds a process spent per request served during the run. */
export const cpuUsPerRequest = (r: LoadResult, name: string): number | undefined =>
  r.cpuMs[name] === undefined || !r.requests ? undefined : ((r.cpuMs[name] as number) * 1000) / r.requests;

/** Share of one core a process used during the run (1 = one whole core). */
export const coreShare = (r: LoadResult, name: string): number | undefined =>
  r.cpuMs[name] === undefined ? undefined : (r.cpuMs[name] as number) / 1000 / r.seconds;

export interface Stat {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** Median and spread of several runs of one measurement; undefined values are left out. */
export function summarise(values: readonly (number | undefined)[]): Stat {
  const sorted = values
    .filter((v): v is number => v !== undefined && Number.isFinite(v))
    .sort((a, b) => a - b);
  if (!sorted.length) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: 0 };
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number, runs: sorted.length };
}

export const statOf = <T>(runs: readonly T[], pick: (run: T) => number | undefined): Stat =>
  summarise(runs.map(pick));

/** Runs a measurement `times` times, one after the other. */
export async function repeat<T>(times: number, run: (index: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < times; i++) out.push(await run(i));
  return out;
}
