// The metric families /__aya/metrics exposes (CONTRACT §9), with their help text, type and
// labels. Every label value comes from the config (routes, pools, backends, providers, models
// named by targets), from a short fixed list (status classes, cache results, token kinds), or
// from consumers, which keys and tokens bound; whatever a client could choose freely (an
// unconfigured model) is counted under one value. Series past a cap are dropped and counted.

/** Request and upstream durations, seconds: from a cache hit to a slow origin's timeout. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;
/** Time to the first streamed token, seconds: models answer in tens of ms to tens of seconds. */
export const TTFT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60] as const;

export interface Family {
  name: string;
  type: "counter" | "gauge" | "histogram";
  help: string;
  buckets?: readonly number[];
}

const family = (name: string, type: Family["type"], help: string, buckets?: readonly number[]): Family => ({
  name,
  type,
  help,
  ...(buckets ? { buckets } : {}),
});

export const FAMILIES = {
  requests: family(
    "aya_requests_total",
    "counter",
    "Requests answered, by route (its path in the config; (admin) and (unmatched) otherwise), the pool and backend that answered, and the status class.",
  ),
  duration: family(
    "aya_request_duration_seconds",
    "histogram",
    "Time from a request's arrival to its answer's headers (to the end of the stream for event streams), by route.",
    DURATION_BUCKETS,
  ),
  attempts: family(
    "aya_upstream_attempts_total",
    "counter",
    "Upstream attempts (backends and AI providers tried, retries and failovers included), by route.",
  ),
  upstreamDuration: family(
    "aya_upstream_duration_seconds",
    "histogram",
    "Time spent waiting for upstream answers' headers per request, every attempt together, by the pool and backend (or provider) that answered.",
    DURATION_BUCKETS,
  ),
  cache: family(
    "aya_cache_requests_total",
    "counter",
    "Requests on routes with a cache (HTTP and AI), by result: hit, miss, stale, bypass.",
  ),
  ratelimited: family(
    "aya_ratelimited_total",
    "counter",
    "Requests refused by a rate limit or budget, by consumer (empty: anonymous).",
  ),
  tokens: family(
    "aya_ai_tokens_total",
    "counter",
    "AI tokens as providers reported them, by provider, model and kind (prompt, completion).",
  ),
  cost: family(
    "aya_ai_cost_usd_total",
    "counter",
    "AI spend in US dollars, by consumer (empty: anonymous) and model.",
  ),
  ttft: family(
    "aya_ai_time_to_first_token_seconds",
    "histogram",
    "Time from a streamed AI request's arrival to its first event reaching the client, by provider and model.",
    TTFT_BUCKETS,
  ),
  consumerRequests: family(
    "aya_consumer_requests_total",
    "counter",
    "Requests by identified consumer (the dashboard's usage table).",
  ),
  consumerTokens: family(
    "aya_consumer_tokens_total",
    "counter",
    "AI tokens by identified consumer and kind (prompt, completion).",
  ),
  healthy: family(
    "aya_backend_healthy",
    "gauge",
    "1 when the backend (or provider endpoint) is healthy or not yet probed, 0 when probes marked it down.",
  ),
  circuitOpen: family(
    "aya_circuit_open",
    "gauge",
    "1 while the backend's circuit is open (or a provider is cooling down after a 429), else 0.",
  ),
  inflight: family(
    "aya_inflight",
    "gauge",
    "Requests in flight to the backend, summed over every location (each isolate's latest report).",
  ),
  latency: family(
    "aya_backend_latency_ewma_seconds",
    "gauge",
    "The backend's peak-EWMA latency, as least-response-time balancing sees it.",
  ),
  dropped: family(
    "aya_metrics_series_dropped_total",
    "counter",
    "Counts not kept because the number of series reached its cap (a sign of a label with too many values).",
  ),
} as const satisfies Record<string, Family>;

export type FamilyId = keyof typeof FAMILIES;
