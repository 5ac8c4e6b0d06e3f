// The dashboard's model and HTML on their own: one verdict per backend in plain words, rates from
// the edge's history, consumers' usage and spend, and every name and URL escaped.
import { describe, expect, it } from "vitest";
import type { BackendState } from "../../../src/admin/backend-states";
import { dashboardModel } from "../../../src/admin/dashboard/model";
import { stateSection } from "../../../src/admin/dashboard/render";
import { parseGateway } from "../../../src/config/normalize";
import type { Sample } from "../../../src/observability/metrics/owner";
import type { BackendStatus } from "../../../src/state/protocol";

const NOW = Date.UTC(2026, 5, 1, 12);
const parsed = parseGateway({
  pools: {
    web: {
      backends: [
        { id: "up-1", url: "https://up.example" },
        { id: "down-1", url: "https://down.example" },
        { id: "open-1", url: "https://open.example" },
      ],
    },
  },
  providers: { openai: { type: "openai", apiKeySecret: "K" } },
});
if (!parsed.ok) throw new Error(parsed.errors.join("; "));
const gateway = parsed.config;

function status(id: string, over: Partial<BackendStatus> = {}): BackendStatus {
  return {
    id,
    healthy: true,
    circuit: "closed",
    openUntil: 0,
    cooldownUntil: 0,
    inflight: 2,
    ewmaLatencyMs: 41.6,
    at: NOW,
    version: 1,
    url: "",
    lastProbe: { at: NOW - 5000, ok: true, status: 200, latencyMs: 12 },
    consecutiveUp: 3,
    consecutiveDown: 0,
    requests: 0,
    failures: 0,
    usage: {},
    events: [],
    ...over,
  };
}

const state = (id: string, s?: Partial<BackendStatus>, kind: "pool" | "provider" = "pool"): BackendState => {
  const backend = gateway.backends.get(id);
  if (!backend) throw new Error(id);
  return {
    backend,
    owner: backend.owner,
    kind,
    detail: kind === "pool" ? "least-response-time" : "openai",
    status: status(id, s),
  };
};

const sample = (at: number, requests: number, errors: number): Sample => ({
  at,
  requests,
  errors,
  cacheLookups: 0,
  cacheHits: 0,
  backends: { "up-1": [requests, errors, requests * 0.05, requests] },
});

const states = [
  state("up-1"),
  state("down-1", {
    healthy: false,
    lastProbe: { at: NOW - 3000, ok: false, latencyMs: 5, error: "connection refused" },
  }),
  state("open-1", {
    circuit: "open",
    openUntil: NOW + 20_000,
    events: [{ kind: "circuit_open", backend: "open-1", at: NOW - 10_000, detail: "open for 30 s" }],
  }),
  state(
    "openai",
    {
      healthy: null,
      lastProbe: null,
      usage: { "gpt-4o-mini": { promptTokens: 10, completionTokens: 5, requests: 1 } },
    },
    "provider",
  ),
];

describe("the dashboard's model", () => {
  const history = [
    sample(NOW - 70_000, 0, 0),
    sample(NOW - 60_000, 100, 0),
    sample(NOW - 30_000, 400, 6),
    sample(NOW, 700, 6),
  ];
  const totals = {
    c: {
      'aya_consumer_requests_total{consumer="acme"}': 12,
      'aya_ai_cost_usd_total{consumer="acme",model="gpt-4o-mini"}': 0.5,
      'aya_consumer_tokens_total{consumer="acme",kind="prompt"}': 300,
      'aya_cache_requests_total{result="hit"}': 3,
      'aya_cache_requests_total{result="miss"}': 1,
      'aya_cache_requests_total{result="bypass"}': 50,
    },
    h: {},
  };
  const m = dashboardModel(states, { totals, history }, NOW);

  it("gives each backend one verdict in words, with the reason", () => {
    const rows = Object.fromEntries(m.pools[0]?.rows.map((r) => [r.id, r]) ?? []);
    expect(rows["up-1"]).toMatchObject({ verdict: "up", label: "UP", inflight: 2, latencyMs: 42 });
    expect(rows["down-1"]).toMatchObject({ verdict: "down", label: "DOWN" });
    expect(rows["down-1"]?.why).toBe("health checks fail: connection refused; no traffic is sent");
    expect(rows["open-1"]).toMatchObject({ verdict: "open", label: "CIRCUIT OPEN" });
    expect(rows["open-1"]?.why).toMatch(/no traffic for 20 s/);
    expect(m.providers[0]?.rows[0]).toMatchObject({
      verdict: "unprobed",
      label: "UP",
      type: "openai",
      tokens: { prompt: 10, completion: 5 },
    });
    expect(m).toMatchObject({ backends: 4, notUp: 2 });
    expect(m.pools[0]?.notUp).toBe(2);
  });

  it("takes rates over the last minute from the edge's history, and sparklines over all of it", () => {
    expect(m.rate).toBeCloseTo(10, 6);
    expect(m.errorShare).toBeCloseTo(0.01, 6);
    expect(m.requestSpark).toEqual([10, 10, 10]);
    const up = m.pools[0]?.rows.find((r) => r.id === "up-1");
    expect(up?.rate).toBeCloseTo(10, 6);
    expect(up?.latencySpark.at(-1)).toBeCloseTo(50, 6);
  });

  it("counts the cache hit ratio over lookups (a bypass is none), and usage and spend per consumer", () => {
    expect(m.cacheHitShare).toBe(0.75);
    expect(m.consumers).toEqual([
      {
        consumer: "acme",
        requests: 12,
        promptTokens: 300,
        completionTokens: 0,
        costUsd: 0.5,
        rateLimited: 0,
      },
    ]);
  });

  it("lists recent health events, newest first", () => {
    expect(m.events).toEqual([
      {
        at: NOW - 10_000,
        backend: "open-1",
        kind: "circuit_open",
        text: "open-1: circuit opened (open for 30 s)",
        bad: true,
      },
    ]);
  });
});

describe("the dashboard's HTML", () => {
  it("escapes everything it shows: a name or a probe's error is text, never markup", async () => {
    const evil = '<img src=x onerror="alert(1)">';
    const s = state("down-1", {
      healthy: false,
      lastProbe: { at: NOW, ok: false, latencyMs: 1, error: evil },
    });
    const html = String(
      await stateSection(
        dashboardModel([{ ...s, owner: evil }], { totals: { c: {}, h: {} }, history: [] }, NOW),
      ),
    );
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
  });

  it("says at the top, in one line, whether every backend is up", async () => {
    const all = String(
      await stateSection(dashboardModel([state("up-1")], { totals: { c: {}, h: {} }, history: [] }, NOW)),
    );
    expect(all).toContain("All 1 backends are up");
    const html = String(
      await stateSection(dashboardModel(states, { totals: { c: {}, h: {} }, history: [] }, NOW)),
    );
    expect(html).toContain("2 of 4 backends are not taking traffic");
    expect(html).toContain("No consumer has called yet.");
  });
});
