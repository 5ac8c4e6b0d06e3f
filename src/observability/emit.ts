// Writing a finished request out: its log line, its metrics (counted in the isolate) and, when
// an Analytics Engine dataset is bound, its data point. The observe middleware calls it once per
// request; the benchmark calls it in a loop to measure what it costs.
import { type AnalyticsDataset, writeDataPoint } from "./analytics";
import { logLine } from "./log-line";
import type { EdgeMetrics } from "./metrics/edge-metrics";
import type { RequestRecord } from "./request-record";

export interface Sinks {
  logQuery: boolean;
  metrics: EdgeMetrics;
  analytics?: AnalyticsDataset;
}

export function emit(record: RequestRecord, durationMs: number, sinks: Sinks): void {
  console.log(JSON.stringify(logLine(record, durationMs, sinks.logQuery)));
  sinks.metrics.count(record, durationMs);
  writeDataPoint(sinks.analytics, record, durationMs);
}
