// What consumers and limits add to observability, through the Worker: the log line's consumer and
// costUsd (streamed or not), a refusal counted in aya_ratelimited_total{consumer} and spend in
// aya_ai_cost_usd_total{consumer,model}, and the budget_threshold alerts a consumer's Limits
// object sends at 80 % and 100 % of its budget, once each per period.
import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Limits } from "../../durable-objects/limits";
import { parseGateway } from "../../src/config/normalize";
import { clockedFetch } from "../support/clocked-fetch";
import { captureLogLines, type LogLines } from "../support/log-lines";
import { readMetrics } from "../support/prometheus";
import { fakeProvider } from "../support/providers";
import { hookUrl, receivedAlerts } from "../support/webhooks";

const ADMIN = { authorization: "Bearer test-admin-token" };

let logs: LogLines;
beforeEach(() => {
  logs = captureLogLines();
});
afterEach(() => logs.restore());

async function setup(prefix: string, plan: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const base = `${await fakeProvider(`${prefix}-oa`, "openai")}/v1`;
  const config = {
    plans: { p: plan },
    providers: { [`${prefix}-oa`]: { type: "openai", apiKeySecret: "OPENAI_KEY", baseUrl: base } },
    models: {
      chat: {
        targets: [
          { provider: `${prefix}-oa`, model: "gpt-4o-mini", inputCostPer1M: 1000, outputCostPer1M: 1000 },
        ],
      },
    },
    routes: [{ path: "/v1/*", ai: true, auth: {} }],
    ...extra,
  };
  const gw = clockedFetch(config, { OPENAI_KEY: "sk-provider" });
  const res = await gw.fetch("/__aya/keys", {
    method: "POST",
    headers: { ...ADMIN, accept: "text/plain" },
    body: JSON.stringify({ consumer: `${prefix}-co`, plan: "p" }),
  });
  const key = (await res.text()).trim();
  const ask = (body: Record<string, unknown> = {}) =>
    gw.fetch("/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "hello there" }], ...body }),
    });
  return { gw, ask, config, consumer: `${prefix}-co` };
}

const requestLines = () => logs.requests.filter((l) => l.path === "/v1/chat/completions");

describe("the log line and metrics of a consumer", () => {
  it("name the consumer and price what it spent, streamed or not; a refusal is counted by consumer", async () => {
    const t = await setup("ob-lim", { requests: { limit: 2, windowSeconds: 60 } });
    t.gw.advance(60_000 - (t.gw.clock.now() % 60_000) + 1);
    const whole = (await (await t.ask()).json()) as {
      usage: { prompt_tokens: number; completion_tokens: number };
    };
    expect(await (await t.ask({ stream: true })).text()).toContain("[DONE]");
    const refused = await t.ask();
    expect(refused.status).toBe(429);
    await refused.text();
    await t.gw.settle();

    const [plain, streamed, over] = requestLines();
    const cost = ((whole.usage.prompt_tokens + whole.usage.completion_tokens) * 1000) / 1e6;
    expect(plain).toMatchObject({ consumer: t.consumer, status: 200 });
    expect(plain?.costUsd).toBeCloseTo(cost, 10);
    expect(streamed).toMatchObject({ consumer: t.consumer, status: 200 });
    expect(streamed?.costUsd as number).toBeGreaterThan(0);
    expect(over).toMatchObject({
      consumer: t.consumer,
      status: 429,
      error: "rate_limit_exceeded",
      costUsd: null,
    });

    const m = readMetrics(await (await t.gw.fetch("/__aya/metrics", { headers: ADMIN })).text());
    expect(m.value("aya_ratelimited_total", { consumer: t.consumer })).toBe(1);
    expect(m.value("aya_ai_cost_usd_total", { consumer: t.consumer, model: "gpt-4o-mini" })).toBeCloseTo(
      (plain?.costUsd as number) + (streamed?.costUsd as number),
      10,
    );

    // The dashboard's table of usage and spend has the consumer's row.
    const login = await t.gw.fetch("/__aya/dashboard/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: "test-admin-token" }).toString(),
      redirect: "manual",
    });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
    const state = await (await t.gw.fetch("/__aya/dashboard/state", { headers: { cookie } })).text();
    const row = state.slice(state.indexOf(`<strong>${t.consumer}</strong>`));
    expect(row.length).toBeLessThan(state.length);
    // Requests 3, spend in dollars, 1 rate limited: the row's cells in order.
    expect(row).toMatch(
      /^<strong>ob-lim-co<\/strong><\/td><td class="num">3<\/td>.*?\$0\.\d+<\/td><td class="num">1<\/td>/s,
    );
  });
});

describe("budget_threshold alerts", () => {
  it("are sent by the consumer's Limits object at 80 % and at 100 %, once each per period", async () => {
    // A request reserves (3 + 5) × $0.001 = $0.008 and spends (2 + 5) × $0.001 = $0.007: two spend
    // $0.014 of $0.017 (82 %); a third does not fit, and the budget is spent (100 %).
    const t = await setup(
      "ob-budget",
      { budget: { usd: 0.017, period: "month" } },
      { alerts: { webhookUrl: hookUrl("ob-budget"), events: ["budget_threshold"] } },
    );
    const parsed = parseGateway(t.config);
    if (!parsed.ok) throw new Error(parsed.errors.join("; "));
    const stub = env.LIMITS.get(env.LIMITS.idFromName(`consumer:${t.consumer}`));
    await runInDurableObject(stub, (obj: Limits) => {
      obj.gateway = () => parsed.config;
    });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await t.ask({ max_tokens: 5 });
      statuses.push(res.status);
      await res.text();
      await t.gw.settle();
    }
    expect(statuses).toEqual([200, 200, 429, 429, 429]);
    await runInDurableObject(stub, (obj: Limits) => obj.alerts.idle());
    const alerts = (await receivedAlerts("ob-budget")).map(
      (r) => JSON.parse(r.body) as Record<string, unknown>,
    );
    expect(alerts.map((a) => a.percent)).toEqual([80, 100]);
    expect(alerts[0]).toMatchObject({
      event: "budget_threshold",
      consumer: t.consumer,
      budgetUsd: 0.017,
      period: "month",
    });
    expect(String(alerts[1]?.text)).toContain(t.consumer);
  });
});
