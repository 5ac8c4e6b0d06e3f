// GET /__aya/metrics as Prometheus scrapes it: Prometheus text, read with a Prometheus text parser
// and checked against known traffic sent through the Worker. Two isolates in two locations, each
// behind its own relay, count their requests; the numbers are the edge's sum, not one isolate's.
import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { createApp, replicatedDeps } from "../../src/app";
import worker from "../../src/index";
import { METRICS_KEY } from "../../src/observability/metrics/edge-metrics";
import { ownerOf } from "../../src/replication/owners";
import { isolateState } from "../../src/state/isolate";
import { Replication } from "../../src/state/sync";
import { clockedGateway } from "../support/clocked";
import { clockedRelays } from "../support/clocked-relays";
import { origin, setMode } from "../support/farm";
import { gatewayFor } from "../support/gateway";
import { readMetrics } from "../support/prometheus";
import { fakeProvider, providerMode } from "../support/providers";

const admin = { authorization: "Bearer test-admin-token" };
const secrets = { MET_OPENAI_KEY: "sk-met-openai" };
let config: Record<string, unknown>;

beforeAll(async () => {
  const ok = await origin("met-1");
  const failing = await origin("met-503");
  await setMode("met-503", "status:503");
  const oa = await fakeProvider("met-oa", "openai");
  config = {
    pools: {
      metp: { backends: [ok], healthCheck: { path: "/healthz", unhealthyThreshold: 1 } },
      metdead: {
        backends: [{ id: "met-dead", url: "http://127.0.0.1:9" }],
        healthCheck: { path: "/healthz", unhealthyThreshold: 1, timeoutMs: 1000 },
      },
      met503: {
        backends: [failing],
        healthCheck: { enabled: false },
        retry: { retries: 0 },
        circuitBreaker: { consecutiveFailures: 2, openSeconds: 60 },
      },
    },
    providers: { "met-oa": { type: "openai", apiKeySecret: "MET_OPENAI_KEY", baseUrl: `${oa}/v1` } },
    models: { chat: { targets: [{ provider: "met-oa", model: "gpt-4o-mini" }] } },
    routes: [
      { path: "/met/a/*", pool: "metp" },
      { path: "/met/c/*", pool: "metp", cache: { ttlSeconds: 60 } },
      { path: "/met/503/*", pool: "met503" },
      { path: "/met/flush", respond: { status: 200, body: "ok" } },
      { path: "/v1/*", ai: true },
    ],
  };
});

/** Isolate A (the placeholder location) and isolate B (Frankfurt), one clock, each its own relay. */
function twoLocations() {
  const a = clockedGateway(config, undefined, secrets);
  const envB = { ...env, ...secrets, RELAY: clockedRelays(a.clock), GATEWAY: config };
  const appB = createApp(replicatedDeps(a.clock, isolateState, new Replication(a.clock, isolateState)));
  async function callB(path: string): Promise<number> {
    const ctx = createExecutionContext();
    const res = await appB.fetch(
      new Request(`https://fra.gw.example${path}`, {
        headers: { "cf-connecting-ip": "198.51.100.9" },
        cf: { continent: "EU", colo: "FRA", country: "DE" },
      } as RequestInit),
      envB,
      ctx,
    );
    await res.text();
    await waitOnExecutionContext(ctx);
    return res.status;
  }
  const scrape = async () => {
    const res = await a.call("/__aya/metrics", { headers: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    return readMetrics(res.body);
  };
  return { a, callB, scrape };
}

const requests = (route: string, pool: string, backend: string, statusClass: string) => ({
  route,
  pool,
  backend,
  status_class: statusClass,
});

describe("/__aya/metrics", () => {
  it("needs the admin token", async () => {
    const { a } = twoLocations();
    expect((await a.call("/__aya/metrics")).status).toBe(401);
    expect((await a.call("/__aya/metrics", { headers: { authorization: "Bearer nope" } })).status).toBe(401);
  });

  it("is the sum of every location's requests, each isolate behind its own relay", async () => {
    const { a, callB, scrape } = twoLocations();
    const before = await scrape();
    const served = requests("/met/a/*", "metp", "met-1", "2xx");
    const was = (name: string, labels: Record<string, string>) => before.value(name, labels) ?? 0;
    const durationWas = before.histogram("aya_request_duration_seconds", { route: "/met/a/*" })?.count ?? 0;

    for (let i = 0; i < 3; i++) expect((await a.call(`/met/a/${i}`)).status).toBe(200);
    for (let i = 0; i < 4; i++) expect(await callB(`/met/a/${i}`)).toBe(200);
    expect((await a.call("/nowhere")).status).toBe(404);
    // B's counts leave with its next batched write, once its flush interval has passed.
    a.advance(7000);
    expect(await callB("/met/flush")).toBe(200);

    const m = await scrape();
    for (const f of ["aya_requests_total", "aya_request_duration_seconds", "aya_backend_healthy"])
      expect(m.families.has(f)).toBe(true);
    expect(m.families.get("aya_request_duration_seconds")?.type).toBe("HISTOGRAM");
    expect((m.value("aya_requests_total", served) ?? 0) - was("aya_requests_total", served)).toBe(7);
    expect(
      (m.value("aya_upstream_attempts_total", { route: "/met/a/*" }) ?? 0) -
        was("aya_upstream_attempts_total", { route: "/met/a/*" }),
    ).toBe(7);
    const unmatched = requests("(unmatched)", "", "", "4xx");
    expect((m.value("aya_requests_total", unmatched) ?? 0) - was("aya_requests_total", unmatched)).toBe(1);
    expect(m.value("aya_requests_total", requests("/met/flush", "", "", "2xx"))).toBeGreaterThanOrEqual(1);

    const duration = m.histogram("aya_request_duration_seconds", { route: "/met/a/*" });
    expect((duration?.count ?? 0) - durationWas).toBe(7);
    expect(duration?.buckets.get("+Inf")).toBe(duration?.count);
    const bounds = [...(duration?.buckets.values() ?? [])];
    expect(bounds).toEqual([...bounds].sort((x, y) => x - y));
    expect(
      m.histogram("aya_upstream_duration_seconds", { pool: "metp", backend: "met-1" })?.count,
    ).toBeGreaterThanOrEqual(7);
  });

  it("counts AI tokens by provider and model, streams' time to first token, and cache results", async () => {
    const { a, scrape } = twoLocations();
    await providerMode("met-oa", "ok");
    const before = await scrape();
    const tokens = (kind: string, m = before) =>
      m.value("aya_ai_tokens_total", { provider: "met-oa", model: "gpt-4o-mini", kind }) ?? 0;
    const other = (m = before) =>
      m.value("aya_ai_tokens_total", { provider: "met-oa", model: "(other models)", kind: "prompt" }) ?? 0;
    const cache = (result: string, m = before) => m.value("aya_cache_requests_total", { result }) ?? 0;
    const ttft = (m = before) =>
      m.histogram("aya_ai_time_to_first_token_seconds", { provider: "met-oa", model: "gpt-4o-mini" })
        ?.count ?? 0;

    const chat = (body: Record<string, unknown>) =>
      a.call("/v1/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ messages: [{ role: "user", content: "count my tokens please" }], ...body }),
      });
    const plain = JSON.parse((await chat({ model: "chat" })).body) as {
      usage: { prompt_tokens: number; completion_tokens: number };
    };
    const streamed = await chat({ model: "chat", stream: true, stream_options: { include_usage: true } });
    const usageEvent = streamed.body
      .split("\n\n")
      .map((e) => e.slice(6))
      .filter((d) => d.startsWith("{"))
      .map((d) => JSON.parse(d) as { usage?: { prompt_tokens: number; completion_tokens: number } })
      .find((e) => e.usage)?.usage;
    expect(usageEvent).toBeDefined();
    const direct = JSON.parse((await chat({ model: "met-oa/unlisted-model" })).body) as {
      usage: { prompt_tokens: number };
    };
    expect((await a.call("/met/c/x")).cache).toBeNull();
    await a.call("/met/c/x");

    const m = await scrape();
    expect(tokens("prompt", m) - tokens("prompt")).toBe(
      plain.usage.prompt_tokens + (usageEvent?.prompt_tokens ?? 0),
    );
    expect(tokens("completion", m) - tokens("completion")).toBe(
      plain.usage.completion_tokens + (usageEvent?.completion_tokens ?? 0),
    );
    // A model no target names is counted under one label: clients cannot grow the table.
    expect(other(m) - other()).toBe(direct.usage.prompt_tokens);
    expect(m.series("aya_ai_tokens_total").some((s) => s.labels.model === "unlisted-model")).toBe(false);
    expect(ttft(m) - ttft()).toBe(1);
    expect(cache("miss", m) - cache("miss")).toBe(1);
    expect(cache("hit", m) - cache("hit")).toBe(1);
    expect(cache("bypass", m) - cache("bypass")).toBe(3);
  });

  it("reads health, circuit and in-flight gauges from the backends' records", async () => {
    const { a, scrape } = twoLocations();
    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }),
      { ...env, GATEWAY: config } as never,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    // Two 503s in a row open met-503's circuit; the isolate tells its object at once.
    for (let i = 0; i < 2; i++) expect((await a.call(`/met/503/${i}`)).status).toBe(503);

    const m = await scrape();
    expect(m.families.get("aya_backend_healthy")?.type).toBe("GAUGE");
    expect(m.value("aya_backend_healthy", { pool: "metp", backend: "met-1" })).toBe(1);
    expect(m.value("aya_backend_healthy", { pool: "metdead", backend: "met-dead" })).toBe(0);
    expect(m.value("aya_circuit_open", { pool: "met503", backend: "met-503" })).toBe(1);
    expect(m.value("aya_circuit_open", { pool: "metp", backend: "met-1" })).toBe(0);
    expect(m.value("aya_inflight", { pool: "metp", backend: "met-1" })).toBe(0);
    // Providers are backends too: their gauges carry the provider's name.
    expect(m.value("aya_backend_healthy", { pool: "met-oa", backend: "met-oa" })).toBe(1);
  });

  it("without a METRICS binding, still answers (its gauges), and relays leave metric writes aside", async () => {
    const { METRICS: _, ...rest } = env as unknown as Record<string, unknown>;
    expect(ownerOf(rest as never, METRICS_KEY)).toBeUndefined();
    const warned = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const call = gatewayFor(config, { METRICS: undefined });
    const res = await call("/__aya/metrics", { headers: admin });
    expect(res.status).toBe(200);
    expect(
      readMetrics(await res.text()).value("aya_backend_healthy", { pool: "metp", backend: "met-1" }),
    ).toBeDefined();
    expect(String(warned.mock.calls[0]?.[0])).toContain("no METRICS binding");
    warned.mockRestore();
  });
});
