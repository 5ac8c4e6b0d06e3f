// The isolate's side of the edge's metrics: each finished request is counted here, in memory,
// with no I/O, and the counts leave with the isolate's batched writes (the replication outbox,
// every 5 s ± 25 %) as one write to the `metrics:edge` record. Relays sum the writes of their
// isolates (metricsFold), and the Metrics object sums the relays', so /__aya/metrics answers for
// every location: one more record per flush, at most one call a second per relay.
import type { WriteSource } from "../../replication/outbox";
import { recordKey, type Write } from "../../replication/record";
import type { RequestRecord } from "../request-record";
import { addDelta, emptyDelta, isEmptyDelta, type MetricsDelta } from "./delta";
import { DURATION_BUCKETS, FAMILIES, TTFT_BUCKETS } from "./families";
import { label } from "./series";

export const METRICS = "metrics";
export const METRICS_KEY = recordKey(METRICS, "edge");

/** Series one isolate holds between flushes; more are dropped and counted (a label gone wild). */
export const MAX_ISOLATE_SERIES = 2000;
const DROPPED = FAMILIES.dropped.name;

const STATUS_CLASS = ["1xx", "2xx", "3xx", "4xx", "5xx"];

export class EdgeMetrics implements WriteSource {
  private pending: MetricsDelta = emptyDelta();
  private series = 0;

  /** Counts one finished request. */
  count(r: RequestRecord, durationMs: number): void {
    const route = label(r.routeLabel);
    const pool = label(r.pool);
    const backend = label(r.backend);
    const statusClass = STATUS_CLASS[Math.floor(r.status / 100) - 1] ?? "5xx";
    this.add(
      `aya_requests_total{route="${route}",pool="${pool}",backend="${backend}",status_class="${statusClass}"}`,
      1,
    );
    this.observe(`aya_request_duration_seconds{route="${route}"}`, DURATION_BUCKETS, durationMs / 1000);
    if (r.attempts) this.add(`aya_upstream_attempts_total{route="${route}"}`, r.attempts);
    if (r.upstreamMs !== null && r.backend !== null)
      this.observe(
        `aya_upstream_duration_seconds{pool="${pool}",backend="${backend}"}`,
        DURATION_BUCKETS,
        r.upstreamMs / 1000,
      );
    if (r.cache !== null) this.add(`aya_cache_requests_total{result="${r.cache.toLowerCase()}"}`, 1);
    const consumer = label(r.consumer);
    if (r.rateLimited) this.add(`aya_ratelimited_total{consumer="${consumer}"}`, 1);
    if (r.consumer !== null) this.add(`aya_consumer_requests_total{consumer="${consumer}"}`, 1);
    if (r.provider !== null) this.countAi(r, consumer);
  }

  private countAi(r: RequestRecord, consumer: string): void {
    const provider = label(r.provider);
    const model = label(r.metricModel);
    const tokens = (kind: string, n: number | null) => {
      if (!n) return;
      this.add(`aya_ai_tokens_total{provider="${provider}",model="${model}",kind="${kind}"}`, n);
      if (r.consumer !== null)
        this.add(`aya_consumer_tokens_total{consumer="${consumer}",kind="${kind}"}`, n);
    };
    tokens("prompt", r.promptTokens);
    tokens("completion", r.completionTokens);
    if (r.costUsd) this.add(`aya_ai_cost_usd_total{consumer="${consumer}",model="${model}"}`, r.costUsd);
    if (r.ttftMs !== null)
      this.observe(
        `aya_ai_time_to_first_token_seconds{provider="${provider}",model="${model}"}`,
        TTFT_BUCKETS,
        r.ttftMs / 1000,
      );
  }

  private add(key: string, n: number): void {
    const c = this.pending.c;
    const known = c[key];
    if (known !== undefined) c[key] = known + n;
    else if (this.admit()) c[key] = n;
    else c[DROPPED] = (c[DROPPED] ?? 0) + n;
  }

  private observe(key: string, buckets: readonly number[], value: number): void {
    let h = this.pending.h[key];
    if (!h) {
      if (!this.admit()) {
        this.pending.c[DROPPED] = (this.pending.c[DROPPED] ?? 0) + 1;
        return;
      }
      h = new Array<number>(buckets.length + 2).fill(0);
      this.pending.h[key] = h;
    }
    let i = 0;
    while (i < buckets.length && value > (buckets[i] as number)) i++;
    h[i] = (h[i] as number) + 1;
    h[buckets.length + 1] = (h[buckets.length + 1] as number) + value;
  }

  private admit(): boolean {
    if (this.series >= MAX_ISOLATE_SERIES) return false;
    this.series += 1;
    return true;
  }

  urgent(): boolean {
    return false;
  }

  take(): Write[] {
    if (isEmptyDelta(this.pending)) return [];
    const delta = this.pending;
    this.pending = emptyDelta();
    this.series = 0;
    return [{ key: METRICS_KEY, delta }];
  }

  restore(writes: Write[]): void {
    const back = emptyDelta();
    for (const write of writes) addDelta(back, write.delta as MetricsDelta);
    // What was counted meanwhile goes on top of what could not be sent.
    addDelta(back, this.pending);
    this.pending = back;
    this.series = Object.keys(back.c).length + Object.keys(back.h).length;
  }
}
