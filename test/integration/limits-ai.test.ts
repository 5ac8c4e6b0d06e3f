// Limits and spend on an AI route, through the Worker (CONTRACT §8): a plan's tokens, budget,
// maxTokensPerRequest, maxN and models; 429 rate_limit_exceeded / insufficient_quota (the openai
// SDK's RateLimitError, whose retries do not get past the limit); budgets that hold under
// concurrency and reset at the UTC boundary; and the ledger, priced from usage, streamed or not,
// cached input apart, a cut stream partial, a provider without usage estimated.
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { FLUSH_JITTER, FLUSH_MS } from "../../src/replication/timing";
import { clockedFetch, countFetches } from "../support/clocked-fetch";
import { unreachableLimits } from "../support/clocked-limits";
import { fakeProvider, lastRequest, providerMode } from "../support/providers";

const ADMIN = { authorization: "Bearer test-admin-token" };

async function setup(
  prefix: string,
  plan: Record<string, unknown>,
  prices: Record<string, number> = {},
  env: Record<string, unknown> = {},
) {
  const base = `${await fakeProvider(`${prefix}-oa`, "openai")}/v1`;
  const gw = clockedFetch(
    {
      plans: { p: plan },
      providers: { [`${prefix}-oa`]: { type: "openai", apiKeySecret: "OPENAI_KEY", baseUrl: base } },
      models: {
        chat: { targets: [{ provider: `${prefix}-oa`, model: "gpt-4o-mini", ...prices }] },
        other: { targets: [{ provider: `${prefix}-oa`, model: "gpt-4o" }] },
      },
      routes: [{ path: "/v1/*", ai: true, auth: {} }],
    },
    { OPENAI_KEY: "sk-provider", ...env },
  );
  const res = await gw.fetch("/__aya/keys", {
    method: "POST",
    headers: { ...ADMIN, accept: "text/plain" },
    body: JSON.stringify({ consumer: `${prefix}-co`, plan: "p" }),
  });
  const key = (await res.text()).trim();
  const ask = (body: Record<string, unknown>) =>
    gw.fetch("/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "hello there" }], ...body }),
    });
  /** The isolate's batched writes leave, and the relay forwards them to the ledger. */
  const flush = async () => {
    await gw.settle();
    gw.advance(FLUSH_MS * (1 + FLUSH_JITTER) + 1);
    await (await ask({ max_tokens: 1 })).text();
    await gw.settle();
    await gw.forward();
  };
  const usage = async (query = "groupBy=consumer") =>
    (await (await gw.fetch(`/__aya/usage?${query}`, { headers: ADMIN })).json()) as {
      rows: Record<string, number | string>[];
      total: Record<string, number>;
    };
  return { gw, base, key, ask, flush, usage, consumer: `${prefix}-co` };
}

describe("a plan's token limit", () => {
  it("refuses a request whose estimate does not fit, with the token headers, and gives back what a request did not use", async () => {
    const t = await setup("lt-tok", { tokens: { limit: 100, windowSeconds: 60 } });
    const big = await t.ask({ max_tokens: 200 });
    expect(big.status).toBe(429);
    expect(await big.json()).toMatchObject({ error: { code: "rate_limit_exceeded", type: "tokens" } });
    expect(big.headers.get("x-ratelimit-limit-tokens")).toBe("100");
    expect(Number(big.headers.get("retry-after"))).toBeGreaterThan(0);
    const small = await t.ask({ max_tokens: 40 });
    expect(small.status).toBe(200);
    const used = ((await small.json()) as { usage: { total_tokens: number } }).usage.total_tokens;
    expect(used).toBeLessThan(40);
    // What the first request did not use came back: room for another of the same size.
    const again = await t.ask({ max_tokens: 40 });
    expect(again.status).toBe(200);
    expect(Number(again.headers.get("x-ratelimit-remaining-tokens"))).toBeGreaterThan(0);
  });
});

describe("a plan's caps and models", () => {
  it("answers 400 above maxTokensPerRequest or maxN, caps the provider's output when the client set none, and 403 for a model outside the plan", async () => {
    const t = await setup("lt-cap", { maxTokensPerRequest: 50, maxN: 1, models: ["chat"] });
    const over = await t.ask({ max_tokens: 51 });
    expect(over.status).toBe(400);
    expect(await over.json()).toMatchObject({ error: { param: "max_tokens" } });
    expect((await t.ask({ n: 2 })).status).toBe(400);
    expect((await t.ask({})).status).toBe(200);
    expect((await lastRequest("lt-cap-oa")).body.max_tokens).toBe(50);
    const other = await t.ask({ model: "other" });
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ error: { code: "model_not_allowed" } });
  });
});

describe("a budget", () => {
  it("reserves each request's worst case, so concurrent requests cannot spend past it; 429 insufficient_quota after", async () => {
    // $1,000 per million tokens: a request of ~15 tokens costs ~$0.015, reserves ≤ $0.02.
    const t = await setup(
      "lt-budget",
      { budget: { usd: 0.05, period: "month" } },
      { inputCostPer1M: 1000, outputCostPer1M: 1000 },
    );
    const answers = await Promise.all(Array.from({ length: 8 }, () => t.ask({ max_tokens: 10 })));
    const statuses = answers.map((a) => a.status);
    const admitted = statuses.filter((s) => s === 200).length;
    expect(admitted).toBeGreaterThan(0);
    expect(admitted).toBeLessThan(8);
    const refused = answers.find((a) => a.status === 429) as Response;
    expect(await refused.json()).toMatchObject({
      error: { code: "insufficient_quota", type: "insufficient_quota" },
    });
    await t.flush();
    const spent = (await t.usage()).rows.find((r) => r.consumer === t.consumer)?.costUsd as number;
    // Reserved before the call, settled after: never past the budget (here the estimate is not low).
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(0.05);
  });

  it("starts again at the UTC boundary of its period", async () => {
    // A request reserves (3 + 10 tokens) × $0.001 = $0.013 and spends (2 + 5) × $0.001 = $0.007:
    // after one, the next one's reservation no longer fits in $0.015.
    const t = await setup(
      "lt-day",
      { budget: { usd: 0.015, period: "day" } },
      { inputCostPer1M: 1000, outputCostPer1M: 1000 },
    );
    const now = t.gw.clock.now();
    t.gw.advance(
      Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate() + 1) -
        now -
        10_000,
    );
    expect((await t.ask({ max_tokens: 10 })).status).toBe(200);
    await t.gw.settle();
    const spentOut = await t.ask({ max_tokens: 10 });
    expect(spentOut.status).toBe(429);
    expect(Number(spentOut.headers.get("retry-after"))).toBeLessThanOrEqual(10);
    t.gw.advance(11_000);
    expect((await t.ask({ max_tokens: 10 })).status).toBe(200);
  });
});

describe("a budget whose object cannot be reached", () => {
  it("fails closed: 503 limits_unavailable, and the provider is not called", async () => {
    const t = await setup(
      "lt-down",
      { budget: { usd: 10, period: "month" } },
      { inputCostPer1M: 1 },
      { LIMITS: unreachableLimits },
    );
    const calls = countFetches(t.base);
    try {
      const res = await t.ask({});
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: { code: "limits_unavailable", type: "server_error" } });
      expect(calls.count).toBe(0);
    } finally {
      calls.restore();
    }
  });
});

describe("the ledger: GET /__aya/usage", () => {
  it("prices usage per consumer and model, streamed or not, cached input apart; flags cut and estimated requests", async () => {
    const t = await setup(
      "lt-ledger",
      {},
      { inputCostPer1M: 2, outputCostPer1M: 8, cachedInputCostPer1M: 1 },
    );
    const whole = (await (await t.ask({})).json()) as {
      usage: { prompt_tokens: number; completion_tokens: number };
    };
    const stream = await t.ask({ stream: true });
    expect(await stream.text()).toContain("[DONE]");
    await providerMode("lt-ledger-oa", "cached-usage");
    await (await t.ask({})).text();
    await providerMode("lt-ledger-oa", "no-usage");
    const estimated = await (await t.ask({})).text();
    await providerMode("lt-ledger-oa", "break-stream");
    const cut = await (await t.ask({ stream: true })).text();
    expect(cut).not.toContain("[DONE]");
    await providerMode("lt-ledger-oa", "ok");
    await t.flush();

    const byModel = await t.usage(`groupBy=model&consumer=${t.consumer}`);
    const row = byModel.rows.find((r) => r.model === "lt-ledger-oa/gpt-4o-mini") as Record<string, number>;
    // Five requests (the flush's own goes with the next flush); the stream's usage counted (aya
    // asked the provider for it); the cut stream, which carried no usage, partial and estimated.
    expect(row.requests).toBe(5);
    expect(row.partial).toBe(1);
    expect(row.estimated).toBe(2);
    expect(row.cachedTokens).toBeGreaterThan(0);
    expect(row.costUsd).toBeGreaterThan(0);
    const p = whole.usage.prompt_tokens;
    const c = whole.usage.completion_tokens;
    expect(row.promptTokens).toBeGreaterThanOrEqual(4 * p);
    // Never $0 for the estimated one: its tokens are counted from the text.
    expect(JSON.parse(estimated).usage).toBeUndefined();
    const day = await t.usage(`groupBy=day&consumer=${t.consumer}`);
    expect(day.rows).toHaveLength(1);
    expect(day.total.requests).toBe(5);
    expect(c).toBeGreaterThan(0);
    const bad = await t.gw.fetch("/__aya/usage?groupBy=planet", { headers: ADMIN });
    expect(bad.status).toBe(400);
  });
});

describe("the openai SDK", () => {
  it("sees RateLimitError with the headers, and its own retries do not get past the limit", async () => {
    const t = await setup("lt-sdk", { requests: { limit: 2, windowSeconds: 60 } });
    // The SDK sleeps for the whole Retry-After before each retry: the test keeps what aya said and
    // hands the SDK a millisecond instead, so its two retries happen now, inside the window.
    const waits: string[] = [];
    let hits = 0;
    const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      hits += 1;
      const res = await t.gw.fetch(input, init);
      if (res.status !== 429) return res;
      waits.push(res.headers.get("retry-after") ?? "");
      const headers = new Headers(res.headers);
      headers.set("retry-after-ms", "1");
      return new Response(res.body, { status: res.status, headers });
    };
    const client = new OpenAI({ apiKey: t.key, baseURL: "https://gw.example/v1", fetch, maxRetries: 2 });
    const calls = countFetches(t.base);
    try {
      for (let i = 0; i < 2; i++)
        await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "hi" }] });
      const error = await client.chat.completions
        .create({ model: "chat", messages: [{ role: "user", content: "hi" }] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      expect(
        (error as InstanceType<typeof OpenAI.RateLimitError>).headers?.get("x-ratelimit-remaining-requests"),
      ).toBe("0");
      expect(hits).toBe(5);
      expect(waits).toHaveLength(3);
      for (const w of waits) expect(Number(w)).toBeGreaterThan(0);
      expect(calls.count).toBe(2);
    } finally {
      calls.restore();
    }
  });

  it("is told not to retry a budget spent for the period", async () => {
    const t = await setup(
      "lt-sdk-budget",
      { budget: { usd: 0.000001, period: "month" } },
      { inputCostPer1M: 1000 },
    );
    let hits = 0;
    const fetch = (input: RequestInfo | URL, init?: RequestInit) => {
      hits += 1;
      return t.gw.fetch(input, init);
    };
    const client = new OpenAI({ apiKey: t.key, baseURL: "https://gw.example/v1", fetch, maxRetries: 2 });
    const error = await client.chat.completions
      .create({ model: "chat", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).code).toBe("insufficient_quota");
    expect(hits).toBe(1);
  });
});
