// The load generator: autocannon against one URL for a fixed time and concurrency.
import autocannon from "autocannon";

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  non2xx: number;
}

export async function load(
  url: string,
  seconds: number,
  connections = 32,
  headers: Record<string, string> = {},
  method: "GET" | "POST" = "GET",
  body?: string,
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    duration: seconds,
    connections,
    headers,
    method,
    body,
    pipelining: 1,
  });
  return {
    rps: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Median and spread of several runs of one measurement. */
export function summarise(values: number[]): { median: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number };
}
