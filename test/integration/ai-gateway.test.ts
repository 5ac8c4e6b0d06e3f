// The OpenAI-compatible API through the real Worker, against fake OpenAI, Anthropic and Gemini
// servers on 127.0.0.1: answers, streams, tools, embeddings, fallback and its limits.
import { beforeAll, describe, expect, it } from "vitest";
import { isolateState } from "../../src/state/isolate";
import { clockedFetch } from "../support/clocked-fetch";
import { gatewayFor } from "../support/gateway";
import { fakeProvider, lastRequest, providerMode, startProvider, stopProvider } from "../support/providers";

const secrets = { OPENAI_KEY: "sk-test-openai", ANTHROPIC_KEY: "test-anthropic", GEMINI_KEY: "test-gemini" };
let call: ReturnType<typeof gatewayFor>;

async function config(prefix: string, extra: Record<string, unknown> = {}) {
  return {
    debugHeaders: true,
    providers: {
      [`${prefix}oa`]: {
        type: "openai",
        apiKeySecret: "OPENAI_KEY",
        baseUrl: `${await fakeProvider(`${prefix}oa`, "openai")}/v1`,
      },
      [`${prefix}an`]: {
        type: "anthropic",
        apiKeySecret: "ANTHROPIC_KEY",
        baseUrl: await fakeProvider(`${prefix}an`, "anthropic"),
      },
      [`${prefix}ge`]: {
        type: "gemini",
        apiKeySecret: "GEMINI_KEY",
        baseUrl: await fakeProvider(`${prefix}ge`, "gemini"),
      },
    },
    models: {
      chat: {
        targets: [
          { provider: `${prefix}oa`, model: "gpt-4o-mini" },
          { provider: `${prefix}an`, model: "claude-3-5-haiku-latest" },
        ],
      },
      claude: { targets: [{ provider: `${prefix}an`, model: "claude-3-5-haiku-latest" }] },
      gem: { targets: [{ provider: `${prefix}ge`, model: "gemini-2.0-flash" }] },
      embed: { targets: [{ provider: `${prefix}oa`, model: "text-embedding-3-small" }] },
      "gem-embed": { targets: [{ provider: `${prefix}ge`, model: "text-embedding-004" }] },
      ...((extra.models as object) ?? {}),
    },
    routes: [{ path: "/v1/*", ai: true }],
  };
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  call(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

async function events(res: Response): Promise<{ data: string[]; raw: string }> {
  const raw = await res.text();
  const data = raw
    .split("\n\n")
    .filter((e) => e.startsWith("data: "))
    .map((e) => e.slice(6));
  return { data, raw };
}

const user = (content: string) => ({ role: "user", content });

beforeAll(async () => {
  call = gatewayFor(await config("g-"), secrets);
});

describe("chat completions", () => {
  for (const [model, provider, tag] of [
    ["chat", "g-oa", "openai"],
    ["claude", "g-an", "anthropic"],
    ["gem", "g-ge", "gemini"],
  ] as const) {
    it(`answers through ${tag} in the OpenAI shape with usage`, async () => {
      const res = await post("/v1/chat/completions", {
        model,
        messages: [{ role: "system", content: "be brief" }, user("hello there")],
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-aya-provider")).toBe(provider);
      const body = (await res.json()) as {
        object: string;
        choices: { message: { content: string }; finish_reason: string }[];
        usage: { prompt_tokens: number; completion_tokens: number };
      };
      expect(body.object).toBe("chat.completion");
      expect(body.choices[0]?.message.content).toBe(`[${tag}] You said: hello there`);
      expect(body.choices[0]?.finish_reason).toBe("stop");
      expect(body.usage.prompt_tokens).toBeGreaterThan(0);
      expect(body.usage.completion_tokens).toBeGreaterThan(0);
    });

    it(`streams through ${tag} as chat.completion.chunk events ending in [DONE]`, async () => {
      const res = await post("/v1/chat/completions", {
        model,
        stream: true,
        stream_options: { include_usage: true },
        messages: [user("stream me")],
      });
      expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
      const { data } = await events(res);
      expect(data[data.length - 1]).toBe("[DONE]");
      const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
      const text = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
      expect(text).toBe(`[${tag}] You said: stream me`);
      expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
      expect(chunks.some((c) => c.choices[0]?.finish_reason === "stop")).toBe(true);
      expect(chunks[chunks.length - 1].usage.completion_tokens).toBeGreaterThan(0);
    });

    it(`translates tools and tool calls through ${tag}, streamed and not`, async () => {
      const tools = [
        {
          type: "function",
          function: {
            name: "lookup",
            description: "find",
            parameters: { type: "object", properties: { query: { type: "string" } } },
          },
        },
      ];
      const res = await post("/v1/chat/completions", { model, tools, messages: [user("weather in Paris")] });
      const body = (await res.json()) as {
        choices: {
          message: { tool_calls: { id: string; function: { name: string; arguments: string } }[] };
          finish_reason: string;
        }[];
      };
      const callOut = body.choices[0]?.message.tool_calls[0];
      expect(body.choices[0]?.finish_reason).toBe("tool_calls");
      expect(callOut?.function.name).toBe("lookup");
      expect(JSON.parse(callOut?.function.arguments ?? "{}")).toEqual({ query: "weather in Paris" });

      const streamed = await post("/v1/chat/completions", {
        model,
        tools,
        stream: true,
        messages: [user("weather in Rome")],
      });
      const chunks = (await events(streamed)).data.slice(0, -1).map((d) => JSON.parse(d));
      const args = chunks
        .flatMap((c) => c.choices[0]?.delta?.tool_calls ?? [])
        .map((t: { function: { arguments: string } }) => t.function.arguments)
        .join("");
      expect(JSON.parse(args)).toEqual({ query: "weather in Rome" });

      // The tool's result goes back and the model answers with text.
      const followUp = await post("/v1/chat/completions", {
        model,
        tools,
        messages: [
          user("weather in Paris"),
          {
            role: "assistant",
            content: null,
            tool_calls: [{ id: callOut?.id, type: "function", function: callOut?.function }],
          },
          { role: "tool", tool_call_id: callOut?.id, content: '{"temp": 21}' },
        ],
      });
      const answer = (await followUp.json()) as { choices: { message: { content: string } }[] };
      expect(answer.choices[0]?.message.content).toContain("tool said");
    });
  }

  it("sends each provider its own key header and never the client's Authorization", async () => {
    await post(
      "/v1/chat/completions",
      { model: "claude", messages: [user("hi")] },
      { authorization: "Bearer client-secret" },
    );
    const seen = await lastRequest("g-an");
    expect(seen.headers["x-api-key"]).toBe("test-anthropic");
    expect(seen.headers["anthropic-version"]).toBe("2023-06-01");
    expect(seen.headers.authorization).toBeUndefined();
    expect(JSON.stringify(seen)).not.toContain("client-secret");
    expect(seen.body.max_tokens).toBe(4096);
    await post(
      "/v1/chat/completions",
      { model: "gem", messages: [user("hi")] },
      { authorization: "Bearer client-secret" },
    );
    const g = await lastRequest("g-ge");
    expect(g.headers["x-goog-api-key"]).toBe("test-gemini");
    expect(g.url).toBe("/v1beta/models/gemini-2.0-flash:generateContent");
  });

  it("addresses a provider directly with provider/model", async () => {
    const res = await post("/v1/chat/completions", {
      model: "g-an/claude-3-opus",
      messages: [user("direct")],
    });
    expect(res.headers.get("x-aya-model")).toBe("claude-3-opus");
    expect(
      ((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content,
    ).toContain("[anthropic]");
  });

  it("answers 404 model_not_found in the OpenAI shape for an unknown model", async () => {
    const res = await post("/v1/chat/completions", { model: "nope", messages: [user("x")] });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({
      error: { code: "model_not_found", type: "invalid_request_error" },
    });
  });

  it("answers 400 for a bad request and for a parameter the provider cannot honour", async () => {
    const bad = await post("/v1/chat/completions", { model: "chat", messages: [] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { type: "invalid_request_error", param: "messages" } });
    const json = await post("/v1/chat/completions", {
      model: "claude",
      response_format: { type: "json_object" },
      messages: [user("x")],
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: { param: "response_format" } });
  });

  it("asks Gemini for JSON when response_format is json_object", async () => {
    await post("/v1/chat/completions", {
      model: "gem",
      response_format: { type: "json_object" },
      messages: [user("x")],
    });
    expect((await lastRequest("g-ge")).body.generationConfig).toMatchObject({
      responseMimeType: "application/json",
    });
  });

  it("lists the aliases and provider/model pairs", async () => {
    const res = await call("/v1/models");
    const ids = ((await res.json()) as { data: { id: string }[] }).data.map((m) => m.id);
    expect(ids).toEqual(
      expect.arrayContaining(["chat", "claude", "gem", "g-oa/gpt-4o-mini", "g-an/claude-3-5-haiku-latest"]),
    );
  });
});

describe("translation through the Worker", () => {
  it("refuses a parameter the provider cannot honour before calling it, naming the parameter", async () => {
    const before = await lastRequest("g-an");
    const res = await post("/v1/chat/completions", {
      model: "claude",
      temperature: 1.5,
      messages: [user("too hot")],
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { type: "invalid_request_error", code: "unsupported_parameter", param: "temperature" },
    });
    expect(await lastRequest("g-an")).toEqual(before);
    const seeded = await post("/v1/chat/completions", { model: "gem", seed: 7, n: 1, messages: [user("x")] });
    expect(seeded.status).toBe(200);
    expect((await lastRequest("g-ge")).body.generationConfig).toEqual({ seed: 7, candidateCount: 1 });
  });

  it("streams without a usage chunk when the client did not ask for one", async () => {
    for (const model of ["claude", "gem"]) {
      const res = await post("/v1/chat/completions", { model, stream: true, messages: [user("no usage")] });
      const { data } = await events(res);
      expect(data.at(-1)).toBe("[DONE]");
      const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
      expect(chunks.some((c) => "usage" in c)).toBe(false);
      expect(chunks.at(-1).choices[0].finish_reason).toBe("stop");
    }
  });

  it("sends the native request each provider's reference shows", async () => {
    await post("/v1/chat/completions", {
      model: "claude",
      max_tokens: 50,
      stop: "END",
      user: "u-1",
      messages: [{ role: "system", content: "be brief" }, user("hello")],
    });
    expect((await lastRequest("g-an")).body).toEqual({
      model: "claude-3-5-haiku-latest",
      system: "be brief",
      messages: [{ role: "user", content: "hello" }],
      max_tokens: 50,
      stop_sequences: ["END"],
      metadata: { user_id: "u-1" },
    });
    await post("/v1/chat/completions", {
      model: "gem",
      stream: true,
      max_completion_tokens: 50,
      messages: [{ role: "system", content: "be brief" }, user("hello")],
    });
    const g = await lastRequest("g-ge");
    expect(g.url).toBe("/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
    expect(g.body).toEqual({
      contents: [{ role: "user", parts: [{ text: "hello" }] }],
      systemInstruction: { parts: [{ text: "be brief" }] },
      generationConfig: { maxOutputTokens: 50 },
    });
  });

  it("passes a provider's own 400 on with the message from its native error body", async () => {
    const c = await config("e4-");
    const g = gatewayFor(c, secrets);
    for (const [id, model, message] of [
      ["e4-an", "claude", "fake anthropic error 400"],
      ["e4-ge", "gem", "fake gemini error 400"],
    ] as const) {
      await providerMode(id, "status:400");
      const res = await g("/v1/chat/completions", {
        method: "POST",
        body: JSON.stringify({ model, messages: [user("x")] }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { message, type: "invalid_request_error" } });
    }
  });
});

describe("request size", () => {
  it("answers 413 in the OpenAI shape for a body over limits.maxBodyBytes, with or without Content-Length", async () => {
    const g = gatewayFor({ ...(await config("sz-")), limits: { maxBodyBytes: 1000 } }, secrets);
    const big = JSON.stringify({ model: "chat", messages: [user("x".repeat(5000))] });
    const declared = await g("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: big,
    });
    expect(declared.status).toBe(413);
    const bytes = new TextEncoder().encode(big);
    const chunked = await g("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream({
        start(controller) {
          for (let at = 0; at < bytes.length; at += 512) controller.enqueue(bytes.slice(at, at + 512));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(((await chunked.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
  });
});

describe("usage on streams", () => {
  it("asks OpenAI for stream usage itself, but sends stream_options to an OpenAI-compatible server only as the client did", async () => {
    const compatUrl = await fakeProvider("su-compat", "openai");
    const c = await config("su-", {
      models: { compat: { targets: [{ provider: "su-compat", model: "llama" }] } },
    });
    (c.providers as Record<string, unknown>)["su-compat"] = {
      type: "openai-compatible",
      baseUrl: `${compatUrl}/v1`,
    };
    const g = gatewayFor(c, secrets);
    const stream = (model: string) =>
      g("/v1/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model, stream: true, messages: [user("u")] }),
      }).then((res) => res.text());
    await stream("chat");
    expect((await lastRequest("su-oa")).body.stream_options).toEqual({ include_usage: true });
    await stream("compat");
    expect((await lastRequest("su-compat")).body.stream_options).toBeUndefined();
  });
});

describe("embeddings", () => {
  it("returns OpenAI embeddings from OpenAI and from Gemini", async () => {
    for (const model of ["embed", "gem-embed"]) {
      const res = await post("/v1/embeddings", { model, input: ["one", "two"] });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { object: string; data: { index: number; embedding: number[] }[] };
      expect(body.object).toBe("list");
      expect(body.data.map((d) => d.index)).toEqual([0, 1]);
      expect(body.data[0]?.embedding).toHaveLength(8);
    }
  });

  it("answers base64 (the SDKs' default) from every provider, encoding the floats itself", async () => {
    for (const model of ["embed", "gem-embed"]) {
      const floats = (await (await post("/v1/embeddings", { model, input: "one" })).json()) as {
        data: { embedding: number[] }[];
      };
      const res = await post("/v1/embeddings", { model, input: "one", encoding_format: "base64" });
      expect(res.status).toBe(200);
      const encoded = ((await res.json()) as { data: { embedding: string }[] }).data[0]?.embedding as string;
      const bytes = Uint8Array.from(atob(encoded), (ch) => ch.charCodeAt(0));
      const decoded = [...new Float32Array(bytes.buffer)];
      expect(decoded).toEqual(floats.data[0]?.embedding.map((x) => Math.fround(x)));
    }
  });

  it("refuses embeddings for a provider that has none", async () => {
    const res = await post("/v1/embeddings", { model: "claude", input: "x" });
    expect(res.status).toBe(400);
  });
});

describe("fallback", () => {
  async function pair(prefix: string) {
    const c = await config(prefix);
    return { call: gatewayFor(c, secrets), first: `${prefix}oa`, second: `${prefix}an` };
  }
  const ask = (g: ReturnType<typeof gatewayFor>, stream = false) =>
    g("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "chat", stream, messages: [user("fall")] }),
    });

  it("moves on when the first provider refuses connections", async () => {
    const p = await pair("fb1-");
    await stopProvider(p.first);
    try {
      const res = await ask(p.call);
      expect(res.status).toBe(200);
      expect(res.headers.get("x-aya-provider")).toBe(p.second);
      const streamed = await ask(p.call, true);
      expect((await events(streamed)).data.at(-1)).toBe("[DONE]");
    } finally {
      await startProvider(p.first);
    }
  });

  it("moves on when the first provider answers 500", async () => {
    const p = await pair("fb2-");
    await providerMode(p.first, "status:500");
    const res = await ask(p.call);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-aya-provider")).toBe(p.second);
  });

  it("moves on at a 429 and keeps that provider out of rotation for Retry-After", async () => {
    const p = await pair("fb3-");
    await providerMode(p.first, "status:429:120");
    const res = await ask(p.call);
    expect(res.headers.get("x-aya-provider")).toBe(p.second);
    await providerMode(p.first, "ok");
    const next = await ask(p.call);
    expect(next.headers.get("x-aya-provider")).toBe(p.second);
    expect(next.headers.get("x-aya-attempts")).toBe("1");
    // Cooled down in the isolate's state, which is what every isolate learns through its object.
    expect(isolateState.backends.get(p.first)?.cooldownUntil).toBeGreaterThan(Date.now() + 100_000);
  });

  it("answers 429 with the time left when the only target is cooling down after a 429", async () => {
    const c = await config("fb3b-", {
      models: { solo: { targets: [{ provider: "fb3b-oa", model: "gpt-4o-mini" }] } },
    });
    const g = gatewayFor(c, secrets);
    await providerMode("fb3b-oa", "status:429:120");
    const first = await g("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "solo", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(first.status).toBe(429);
    expect(first.headers.get("retry-after")).toBe("120");
    await providerMode("fb3b-oa", "ok");
    const again = await g("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "solo", messages: [{ role: "user", content: "hi" }] }),
    });
    // Not sent to the provider: still cooling down, so the client is told to wait, not "unavailable".
    expect(again.status).toBe(429);
    expect(Number(again.headers.get("retry-after"))).toBeGreaterThan(100);
    expect(((await again.json()) as { error: { type: string } }).error.type).toBe("rate_limit_error");
  });

  it("moves on when the first provider times out", async () => {
    const c = await config("fb4-");
    (c.providers["fb4-oa"] as Record<string, unknown>).timeoutMs = 200;
    const g = clockedFetch(c, secrets);
    await providerMode("fb4-oa", "delay:5000");
    const pending = g.fetch("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "chat", messages: [user("fall")] }),
    });
    // The first provider's deadline is set once its request is on the way; then 200 ms pass.
    await g.clock.timerSet(200);
    g.advance(200);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.headers.get("x-aya-provider")).toBe("fb4-an");
    await providerMode("fb4-oa", "ok");
  });

  it("does not fall back on a 400: the client gets the provider's error", async () => {
    const p = await pair("fb5-");
    await providerMode(p.first, "status:400");
    const res = await ask(p.call);
    expect(res.status).toBe(400);
    expect(res.headers.get("x-aya-provider")).toBe(p.first);
    expect(await res.json()).toMatchObject({ error: { message: "fake openai error 400" } });
  });

  it("ends a stream that breaks after its first event with an error event and no [DONE]", async () => {
    const p = await pair("fb6-");
    await providerMode(p.first, "break-stream");
    const res = await ask(p.call, true);
    expect(res.status).toBe(200);
    const { data } = await events(res);
    expect(data).not.toContain("[DONE]");
    expect(JSON.parse(data.at(-1) as string)).toMatchObject({ error: { code: "stream_interrupted" } });
  });

  it("names a missing secret without revealing any value", async () => {
    const g = gatewayFor(await config("fb7-"), {});
    const res = await ask(g);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).toContain("OPENAI_KEY");
    expect(text).not.toContain("sk-test");
  });
});

describe("model strategies", () => {
  it("least-cost tries the cheapest target first", async () => {
    const base = await config("mc-");
    const c = {
      ...base,
      models: {
        cheap: {
          strategy: "least-cost",
          targets: [
            { provider: "mc-oa", model: "big", inputCostPer1M: 10, outputCostPer1M: 30 },
            { provider: "mc-an", model: "small", inputCostPer1M: 0.25, outputCostPer1M: 1.25 },
          ],
        },
      },
    };
    const g = gatewayFor(c, secrets);
    const res = await g("/v1/chat/completions", {
      method: "POST",
      body: JSON.stringify({ model: "cheap", messages: [user("x")] }),
    });
    expect(res.headers.get("x-aya-provider")).toBe("mc-an");
  });

  it("weighted spreads requests by weight", async () => {
    const base = await config("mw-");
    const c = {
      ...base,
      models: {
        w: {
          strategy: "weighted",
          targets: [
            { provider: "mw-oa", model: "a", weight: 3 },
            { provider: "mw-ge", model: "b", weight: 1 },
          ],
        },
      },
    };
    const g = gatewayFor(c, secrets);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 80; i++) {
      const res = await g("/v1/chat/completions", {
        method: "POST",
        body: JSON.stringify({ model: "w", messages: [user("x")] }),
      });
      const p = res.headers.get("x-aya-provider") as string;
      counts[p] = (counts[p] ?? 0) + 1;
      await res.body?.cancel();
    }
    expect(counts["mw-oa"]).toBeGreaterThan(45);
    expect(counts["mw-ge"]).toBeGreaterThan(5);
  });
});
