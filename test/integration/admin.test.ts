// The admin endpoints as an operator meets them: healthz open, status behind the bearer token,
// 404 when no token is configured, and no credentials in what status shows.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { FLUSH_JITTER, FLUSH_MS } from "../../src/replication/timing";
import type { ModelUsage } from "../../src/state/usage";
import { clockedGateway } from "../support/clocked";
import { origin } from "../support/farm";
import { gatewayFor, json } from "../support/gateway";
import { fakeProvider } from "../support/providers";

const config = async () => ({
  pools: { p: { backends: [await origin("adm-1")], healthCheck: { enabled: false } } },
  routes: [{ path: "/*", pool: "p" }],
});

describe("admin endpoints", () => {
  it("answers healthz without a token", async () => {
    const call = gatewayFor(await config());
    const res = await call("/__aya/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("rejects a missing or wrong token with 401 unauthorized", async () => {
    const call = gatewayFor(await config());
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Bearer nope" },
      { authorization: "test-admin-token" },
    ];
    for (const headers of attempts) {
      const res = await call("/__aya/status", { headers });
      expect(res.status).toBe(401);
      expect((await json(res)).error).toMatchObject({ code: "unauthorized" });
    }
  });

  it("answers 404 for everything but healthz when no ADMIN_TOKEN is set", async () => {
    const call = gatewayFor(await config(), { ADMIN_TOKEN: undefined });
    expect((await call("/__aya/status", { headers: { authorization: "Bearer " } })).status).toBe(404);
    expect((await call("/__aya/healthz")).status).toBe(200);
  });

  it("lists pools and backends with their state", async () => {
    const call = gatewayFor(await config());
    await call("/x");
    const res = await call("/__aya/status", { headers: { authorization: "Bearer test-admin-token" } });
    const body = (await json(res)) as { pools: { name: string; backends: Record<string, unknown>[] }[] };
    expect(body.pools[0]?.name).toBe("p");
    expect(body.pools[0]?.backends[0]).toMatchObject({
      id: "adm-1",
      healthy: true,
      circuit: "closed",
      inflight: expect.any(Number),
      ewmaLatencyMs: expect.any(Number),
      lastProbe: null,
      requests: expect.any(Number),
      failures: expect.any(Number),
    });
    expect((env as unknown as { ADMIN_TOKEN: string }).ADMIN_TOKEN).toBe("test-admin-token");
    expect(JSON.stringify(body)).not.toContain("test-admin-token");
  });
});

describe("AI usage in /__aya/status", () => {
  it("shows the prompt and completion tokens each provider served, per model, once flushed", async () => {
    const provider = await fakeProvider("adm-usage", "openai");
    const gw = clockedGateway(
      {
        providers: {
          "adm-usage": { type: "openai-compatible", baseUrl: `${provider}/v1`, apiKeySecret: "ADM_KEY" },
        },
        models: { chat: { targets: [{ provider: "adm-usage", model: "llama-3.1-8b" }] } },
        routes: [{ path: "/v1/*", ai: true }],
      },
      undefined,
      { ADM_KEY: "sk-adm" },
    );
    const ask = () =>
      gw.call("/v1/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "count me" }] }),
      });
    const answer = JSON.parse((await ask()).body) as {
      usage: { prompt_tokens: number; completion_tokens: number };
    };
    // Usage is counted in the isolate, sent with its next batch of writes (every FLUSH_MS ± 25 %)
    // and forwarded by the relay to the provider's object.
    gw.advance(FLUSH_MS * (1 + FLUSH_JITTER) + 1);
    await ask();
    const status = JSON.parse(
      (await gw.call("/__aya/status", { headers: { authorization: "Bearer test-admin-token" } })).body,
    ) as { providers: { name: string; usage?: Record<string, ModelUsage> }[] };
    const usage = status.providers.find((p) => p.name === "adm-usage")?.usage?.["llama-3.1-8b"];
    expect(usage).toEqual({
      promptTokens: answer.usage.prompt_tokens,
      completionTokens: answer.usage.completion_tokens,
      requests: 1,
    });
  });
});
