// GET /__aya/metrics: the edge's counters and histograms in the Prometheus text format, summed
// over every location by the Metrics object, and the backends' gauges (health, circuit, in-flight,
// latency) from their BackendState objects. This isolate's own counts since its last flush are
// written to the object first, so what a scrape shows includes the isolate that answers it; other
// isolates' counts arrive with their batched writes (every 5 s ± 25 %, then ≤ 1 s at their relay).
import type { Context } from "hono";
import type { AppEnv } from "../env";
import type { MetricsDelta } from "../observability/metrics/delta";
import { METRICS_KEY } from "../observability/metrics/edge-metrics";
import { exposition, type Gauges, PROMETHEUS_CONTENT_TYPE } from "../observability/metrics/exposition";
import type { Sample } from "../observability/metrics/owner";
import { label } from "../observability/metrics/series";
import { idOf } from "../replication/record";
import { circuitOpen, readBackendStates } from "./backend-states";

/** The Metrics object's view of the edge, after this isolate's pending counts joined it. */
export async function edgeMetrics(c: Context<AppEnv>): Promise<{ totals: MetricsDelta; history: Sample[] }> {
  const ns = c.env.METRICS as AppEnv["Bindings"]["METRICS"] | undefined;
  if (!ns) {
    console.warn(JSON.stringify({ msg: "no METRICS binding in wrangler.toml: metrics are not summed" }));
    return { totals: { c: {}, h: {} }, history: [] };
  }
  const stub = ns.get(ns.idFromName(idOf(METRICS_KEY)));
  const local = c.get("metrics");
  const writes = local?.take() ?? [];
  if (writes.length > 0) {
    try {
      await stub.replicate({ relay: "admin", keys: [], writes });
    } catch (error) {
      local?.restore(writes);
      throw error;
    }
  }
  return stub.snapshot();
}

export async function metricsReport(c: Context<AppEnv>): Promise<Response> {
  const [{ totals }, states] = await Promise.all([
    edgeMetrics(c),
    readBackendStates(c.env, c.get("gateway")),
  ]);
  const gauges: Gauges = { healthy: [], circuitOpen: [], inflight: [], latency: [] };
  for (const { backend, owner, status } of states) {
    if (!status) continue;
    const labels = `pool="${label(owner)}",backend="${label(backend.id)}"`;
    gauges.healthy.push({ labels, value: status.healthy === false ? 0 : 1 });
    gauges.circuitOpen.push({ labels, value: circuitOpen(status) ? 1 : 0 });
    gauges.inflight.push({ labels, value: status.inflight });
    gauges.latency.push({ labels, value: status.ewmaLatencyMs / 1000 });
  }
  return new Response(exposition(totals, gauges), {
    headers: { "content-type": PROMETHEUS_CONTENT_TYPE, "cache-control": "no-store" },
  });
}
