// The request's log line (CONTRACT §9), read as Workers Logs would: exactly one JSON line per
// request with the contract's fields, written when the answer is ready or, for an event stream,
// when the stream ends; nothing secret on it. And W3C traceparent: continued when valid, replaced
// otherwise, sent to backends and providers, its trace id on the line.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { origin, received, setMode } from "../support/farm";
import { gatewayFor } from "../support/gateway";
import { captureLogLines, type LogLines } from "../support/log-lines";
import { fakeProvider, lastRequest, providerMode } from "../support/providers";

const FIELDS = [
  "ts",
  "requestId",
  "traceId",
  "method",
  "host",
  "path",
  "route",
  "status",
  "durationMs",
  "upstreamMs",
  "pool",
  "backend",
  "attempts",
  "cache",
  "consumer",
  "provider",
  "model",
  "promptTokens",
  "completionTokens",
  "costUsd",
  "ttftMs",
  "error",
];

let logs: LogLines;
beforeEach(() => {
  logs = captureLogLines();
});
afterEach(() => logs.restore());

let call: ReturnType<typeof gatewayFor>;
let withQuery: ReturnType<typeof gatewayFor>;
const secrets = { LOG_OPENAI_KEY: "sk-log-test-openai-key" };

beforeAll(async () => {
  const a = await origin("log-1");
  const down = await origin("log-down");
  await setMode("log-down", "status:503");
  const oa = await fakeProvider("log-oa", "openai");
  const config = {
    pools: {
      logp: { backends: [a], healthCheck: { enabled: false } },
      dead: {
        backends: [down],
        healthCheck: { enabled: false },
        retry: { retries: 0 },
        circuitBreaker: { enabled: false },
      },
      empty: {
        backends: [{ id: "log-refused", url: "http://127.0.0.1:9" }],
        healthCheck: { enabled: false },
        retry: { retries: 0 },
        circuitBreaker: { enabled: false },
      },
    },
    providers: { "log-oa": { type: "openai", apiKeySecret: "LOG_OPENAI_KEY", baseUrl: `${oa}/v1` } },
    models: { chat: { targets: [{ provider: "log-oa", model: "gpt-4o-mini" }] } },
    routes: [
      { path: "/cached/*", pool: "logp", cache: { ttlSeconds: 60 } },
      { path: "/dead/*", pool: "dead" },
      { path: "/refused/*", pool: "empty" },
      { path: "/hello", respond: { status: 200, body: "hi" } },
      { path: "/v1/*", ai: true },
      { path: "/*", pool: "logp" },
    ],
  };
  call = gatewayFor(config, secrets);
  withQuery = gatewayFor({ ...config, observability: { logQuery: true } }, secrets);
});

const only = () => {
  expect(logs.requests).toHaveLength(1);
  return logs.requests[0] as Record<string, unknown>;
};

describe("the log line", () => {
  it("is one JSON line per request with every contract field, for a proxied request", async () => {
    const res = await call("/items/42?token=secret-in-query", { headers: { "x-request-id": "log-req-1" } });
    expect(res.status).toBe(200);
    await res.text();
    const line = only();
    for (const field of FIELDS) expect(line).toHaveProperty(field);
    expect(line).toMatchObject({
      requestId: "log-req-1",
      method: "GET",
      host: "gw.example",
      path: "/items/42",
      route: "/*",
      status: 200,
      pool: "logp",
      backend: "log-1",
      attempts: 1,
      cache: null,
      consumer: null,
      provider: null,
      costUsd: null,
      ttftMs: null,
      error: null,
    });
    expect(new Date(line.ts as string).toISOString()).toBe(line.ts);
    expect(line.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(typeof line.durationMs).toBe("number");
    expect(typeof line.upstreamMs).toBe("number");
  });

  it("never carries a key, token, cookie, query string or body", async () => {
    const res = await call("/items/1?api_key=qs-secret-1", {
      method: "POST",
      headers: {
        authorization: "Bearer bearer-secret-2",
        "x-api-key": "header-secret-3",
        cookie: "session=cookie-secret-4",
        "content-type": "application/json",
      },
      body: JSON.stringify({ password: "body-secret-5" }),
    });
    await res.text();
    const text = logs.raw.join("\n");
    for (const secret of [
      "qs-secret-1",
      "bearer-secret-2",
      "header-secret-3",
      "cookie-secret-4",
      "body-secret-5",
    ])
      expect(text).not.toContain(secret);
    expect(only().query).toBeNull();
  });

  it("carries the query string only with observability.logQuery", async () => {
    await (await withQuery("/items/1?page=2")).text();
    expect(only()).toMatchObject({ path: "/items/1", query: "?page=2" });
  });

  it("says the cache result on a route with a cache: MISS, then HIT with no attempt", async () => {
    await (await call("/cached/log-a")).text();
    await (await call("/cached/log-a")).text();
    expect(logs.requests.map((l) => [l.cache, l.attempts])).toEqual([
      ["MISS", 1],
      ["HIT", null],
    ]);
  });

  it("names the gateway's error: unmatched admin paths, a backend's own 503, no backend reachable", async () => {
    await (await call("/__aya/nope")).text();
    await (await call("/dead/x")).text();
    await (await call("/refused/x")).text();
    await (await call("/hello")).text();
    expect(logs.requests.map((l) => [l.route, l.status, l.error])).toEqual([
      [null, 404, "no_route"],
      ["/dead/*", 503, null],
      ["/refused/*", 503, "no_healthy_backend"],
      ["/hello", 200, null],
    ]);
  });

  it("on AI routes names the provider and model and carries the tokens", async () => {
    await providerMode("log-oa", "ok");
    const res = await call("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer client-key-6" },
      body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "hello there" }] }),
    });
    const body = (await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
    const line = only();
    expect(line).toMatchObject({
      route: "/v1/*",
      status: 200,
      provider: "log-oa",
      backend: "log-oa",
      model: "gpt-4o-mini",
      attempts: 1,
      cache: "BYPASS",
      promptTokens: body.usage.prompt_tokens,
      completionTokens: body.usage.completion_tokens,
      ttftMs: null,
    });
    const text = logs.raw.join("\n");
    expect(text).not.toContain("client-key-6");
    expect(text).not.toContain(secrets.LOG_OPENAI_KEY);
  });

  it("for a stream, is written when the stream ends, with its time to first token", async () => {
    await providerMode("log-oa", "ok");
    const res = await call("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "chat",
        stream: true,
        messages: [{ role: "user", content: "count to three" }],
      }),
    });
    expect(res.status).toBe(200);
    // Headers are here, the stream is not read yet: no line.
    expect(logs.requests).toHaveLength(0);
    const text = await res.text();
    expect(text).toContain("data: [DONE]");
    const line = only();
    expect(line).toMatchObject({ status: 200, provider: "log-oa", error: null });
    expect(typeof line.ttftMs).toBe("number");
    expect(line.durationMs as number).toBeGreaterThanOrEqual(line.ttftMs as number);
    expect(line.completionTokens as number).toBeGreaterThan(0);
  });

  it("for a stream cut mid-way, says so", async () => {
    await providerMode("log-oa", "break-stream");
    const res = await call("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "chat", stream: true, messages: [{ role: "user", content: "go on" }] }),
    });
    const text = await res.text();
    await providerMode("log-oa", "ok");
    expect(text).not.toContain("[DONE]");
    expect(only()).toMatchObject({ status: 200, error: "stream_interrupted" });
  });

  it("for a stream the client stops reading, is written once, when it lets go", async () => {
    await providerMode("log-oa", "ok");
    const res = await call("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "chat",
        stream: true,
        messages: [{ role: "user", content: "a long answer" }],
      }),
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    expect(logs.requests).toHaveLength(0);
    await reader.cancel();
    expect(only()).toMatchObject({ status: 200, error: "client_cancelled" });
  });
});

describe("traceparent", () => {
  const CLIENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  it("continues a valid client trace: same trace id and flags, aya's own parent id upstream", async () => {
    await (await call("/trace/1", { headers: { traceparent: CLIENT, tracestate: "vendor=x" } })).text();
    const got = await received("log-1");
    const sent = String(got?.headers.traceparent);
    expect(sent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(sent).not.toBe(CLIENT);
    expect(got?.headers.tracestate).toBe("vendor=x");
    expect(only()).toMatchObject({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: sent.slice(36, 52) });
  });

  for (const [why, value] of [
    ["missing", undefined],
    ["malformed", "not-a-trace"],
    ["all-zero trace id", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"],
    ["all-zero parent id", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"],
    ["version ff", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"],
    ["upper-case hex", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01"],
  ] as const) {
    it(`starts a new trace when the client's is ${why}, and drops its tracestate`, async () => {
      const headers: Record<string, string> = { tracestate: "vendor=x" };
      if (value) headers.traceparent = value;
      await (await call(`/trace/${why.replaceAll(" ", "-")}`, { headers })).text();
      const got = await received("log-1");
      const sent = String(got?.headers.traceparent);
      expect(sent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(sent.slice(3, 35)).not.toBe("4bf92f3577b34da6a3ce929d0e0e4736");
      expect(got?.headers.tracestate).toBeUndefined();
      expect(only().traceId).toBe(sent.slice(3, 35));
    });
  }

  it("goes to AI providers too", async () => {
    await providerMode("log-oa", "ok");
    await (
      await call("/v1/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json", traceparent: CLIENT },
        body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "hi" }] }),
      })
    ).text();
    const got = await lastRequest("log-oa");
    expect(got.headers.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(only().traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
  });
});
