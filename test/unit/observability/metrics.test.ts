// The edge's metrics from the inside: an isolate's counts (buckets, labels, caps), what a relay
// folds, and the text the exposition writes, read back with the Prometheus parser.
import { describe, expect, it } from "vitest";
import { addDelta, emptyDelta, type MetricsDelta } from "../../../src/observability/metrics/delta";
import {
  EdgeMetrics,
  MAX_ISOLATE_SERIES,
  METRICS_KEY,
} from "../../../src/observability/metrics/edge-metrics";
import { exposition } from "../../../src/observability/metrics/exposition";
import { metricsFold } from "../../../src/observability/metrics/fold";
import { MetricsOwner, SAMPLE_MS } from "../../../src/observability/metrics/owner";
import { RequestRecord } from "../../../src/observability/request-record";
import { readMetrics } from "../../support/prometheus";

const trace = { traceId: "a".repeat(32), spanId: "b".repeat(16), traceparent: "" };

function record(over: Partial<RequestRecord> = {}): RequestRecord {
  const r = new RequestRecord(0, "id", trace, "GET", "gw.example", "/x", "");
  r.matched({ path: "/api/*" });
  r.status = 200;
  return Object.assign(r, over);
}

const noGauges = { healthy: [], circuitOpen: [], inflight: [], latency: [] };
const taken = (m: EdgeMetrics) => m.take()[0]?.delta as MetricsDelta;

describe("an isolate's counts", () => {
  it("put each duration in its bucket (le is inclusive) and keep the sum", () => {
    const m = new EdgeMetrics();
    for (const ms of [1, 5, 6, 100, 250, 70_000]) m.count(record(), ms);
    const text = exposition(taken(m), noGauges);
    const h = readMetrics(text).histogram("aya_request_duration_seconds", { route: "/api/*" });
    expect(h?.count).toBe(6);
    expect(h?.sum).toBeCloseTo(70.362, 6);
    expect(h?.buckets.get("0.005")).toBe(2);
    expect(h?.buckets.get("0.01")).toBe(3);
    expect(h?.buckets.get("0.1")).toBe(4);
    expect(h?.buckets.get("0.25")).toBe(5);
    expect(h?.buckets.get("60")).toBe(5);
    expect(h?.buckets.get("+Inf")).toBe(6);
  });

  it("label requests by route, pool, backend and status class; admin and unmatched ones by what they are", () => {
    const m = new EdgeMetrics();
    m.count(record({ pool: "eu", backend: "eu-1", attempts: 2, status: 503 }), 1);
    const admin = new RequestRecord(0, "id", trace, "GET", "gw.example", "/__aya/status", "");
    admin.kind = "admin";
    admin.status = 401;
    m.count(admin, 1);
    const lost = new RequestRecord(0, "id", trace, "GET", "gw.example", "/nope", "");
    lost.status = 404;
    m.count(lost, 1);
    const p = readMetrics(exposition(taken(m), noGauges));
    expect(
      p.value("aya_requests_total", { route: "/api/*", pool: "eu", backend: "eu-1", status_class: "5xx" }),
    ).toBe(1);
    expect(
      p.value("aya_requests_total", { route: "(admin)", pool: "", backend: "", status_class: "4xx" }),
    ).toBe(1);
    expect(
      p.value("aya_requests_total", { route: "(unmatched)", pool: "", backend: "", status_class: "4xx" }),
    ).toBe(1);
    expect(p.value("aya_upstream_attempts_total", { route: "/api/*" })).toBe(2);
  });

  it("escape label values a config may hold (quotes, backslashes, line feeds)", () => {
    const m = new EdgeMetrics();
    m.count(record({ route: 'a "quoted" \\ path\nnext' }), 1);
    const p = readMetrics(exposition(taken(m), noGauges));
    expect(
      p.value("aya_requests_total", {
        route: 'a "quoted" \\ path\nnext',
        pool: "",
        backend: "",
        status_class: "2xx",
      }),
    ).toBe(1);
  });

  it("count consumers, tokens, spend and rate limits once the other stages fill them in", () => {
    const m = new EdgeMetrics();
    const r = record({ consumer: "acme", costUsd: 0.25, rateLimited: false });
    r.attempt({ provider: "openai", model: "gpt-4o-mini", metricModel: "gpt-4o-mini" });
    r.usage(10, 20);
    m.count(r, 1);
    m.count(record({ consumer: "acme", rateLimited: true, status: 429 }), 1);
    const p = readMetrics(exposition(taken(m), noGauges));
    expect(p.value("aya_ai_cost_usd_total", { consumer: "acme", model: "gpt-4o-mini" })).toBe(0.25);
    expect(p.value("aya_ratelimited_total", { consumer: "acme" })).toBe(1);
    expect(p.value("aya_consumer_requests_total", { consumer: "acme" })).toBe(2);
    expect(p.value("aya_consumer_tokens_total", { consumer: "acme", kind: "completion" })).toBe(20);
    expect(p.value("aya_ai_tokens_total", { provider: "openai", model: "gpt-4o-mini", kind: "prompt" })).toBe(
      10,
    );
  });

  it(`hold at most ${MAX_ISOLATE_SERIES} series between flushes; the rest is counted as dropped`, () => {
    const m = new EdgeMetrics();
    for (let i = 0; i < MAX_ISOLATE_SERIES; i++) m.count(record({ consumer: `c${i}` }), 1);
    const p = readMetrics(exposition(taken(m), noGauges));
    expect(p.value("aya_metrics_series_dropped_total", {})).toBeGreaterThan(0);
    expect(p.series("aya_consumer_requests_total").length).toBeLessThan(MAX_ISOLATE_SERIES);
  });

  it("take everything once; a write that could not be sent goes back under what was counted since", () => {
    const m = new EdgeMetrics();
    m.count(record(), 1);
    const writes = m.take();
    expect(writes).toHaveLength(1);
    expect(writes[0]?.key).toBe(METRICS_KEY);
    expect(m.take()).toEqual([]);
    m.count(record(), 1);
    m.restore(writes);
    const key = 'aya_requests_total{route="/api/*",pool="",backend="",status_class="2xx"}';
    expect(taken(m).c[key]).toBe(2);
  });
});

describe("a relay's fold", () => {
  it("sums its isolates' writes into one per call, and forgets nothing on a failed call", () => {
    const a = new EdgeMetrics();
    const b = new EdgeMetrics();
    a.count(record(), 1);
    b.count(record(), 1);
    b.count(record(), 1);
    let held = metricsFold.add(undefined, taken(a), "iso-a", 0);
    held = metricsFold.add(held, taken(b), "iso-b", 0);
    const out = metricsFold.drain(held, 0, "relay") as MetricsDelta;
    const key = 'aya_requests_total{route="/api/*",pool="",backend="",status_class="2xx"}';
    expect(out.c[key]).toBe(3);
    expect(metricsFold.idle(held, 0)).toBe(true);
    expect(metricsFold.drain(held, 0, "relay")).toBeUndefined();
    metricsFold.restore(held, out);
    expect((metricsFold.drain(held, 0, "relay") as MetricsDelta).c[key]).toBe(3);
  });
});

describe("the Metrics object", () => {
  it("adds every relay's writes and samples its history for the dashboard at most every 10 s", () => {
    const owner = new MetricsOwner();
    const delta = (n: number): MetricsDelta => {
      const d = emptyDelta();
      addDelta(d, {
        c: { 'aya_requests_total{route="/x",pool="p",backend="b1",status_class="5xx"}': n },
        h: {},
      });
      return d;
    };
    owner.replicate({ writes: [{ key: METRICS_KEY, delta: delta(2) }] }, 0);
    owner.replicate({ writes: [{ key: METRICS_KEY, delta: delta(3) }] }, SAMPLE_MS / 2);
    expect(owner.history).toHaveLength(1);
    owner.replicate({ writes: [{ key: METRICS_KEY, delta: delta(1) }] }, SAMPLE_MS);
    expect(owner.history.map((s) => [s.requests, s.errors, s.backends.b1?.[0]])).toEqual([
      [2, 2, 2],
      [6, 6, 6],
    ]);
  });
});
