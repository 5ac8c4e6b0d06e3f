// The official openai SDK, pointed at `wrangler dev`'s /v1 with the demo's aliases, against fake
// OpenAI, Anthropic and Gemini servers speaking their native wire formats: answers, streams, tools,
// embeddings and usage come back in the OpenAI shape; errors arrive as the SDK's own error classes;
// and `chat` keeps answering, with no error, while its first provider is down.
// The client never retries (maxRetries: 0), so nothing here is papered over by the SDK.
import OpenAI from "openai";
import type {
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from "openai/resources/chat/completions";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import { providerMode, startProvider, stopProvider } from "../support/providers";

const client = new OpenAI({
  baseURL: `${inject("gatewayUrl")}/v1`,
  apiKey: "sk-client-key-the-gateway-never-forwards",
  maxRetries: 0,
  timeout: 15_000,
});

/** The demo's aliases pinned to one provider each, and the tag each fake puts in its answers. */
const pinned = [
  { alias: "gpt", provider: "openai" },
  { alias: "claude", provider: "anthropic" },
  { alias: "gemini", provider: "gemini" },
] as const;

const user = (content: string): ChatCompletionMessageParam => ({ role: "user", content });

const weather: ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: { type: "object", properties: { query: { type: "string" } }, required: ["query"] },
  },
};

/** Reads a stream the way an application does: concatenated deltas, the finish reason, usage. */
async function drain(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
  let text = "";
  let chunks = 0;
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | undefined;
  const calls: { id?: string; name: string; arguments: string }[] = [];
  for await (const chunk of stream) {
    chunks += 1;
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    text += choice.delta.content ?? "";
    for (const call of choice.delta.tool_calls ?? []) {
      const slot = calls[call.index] ?? { name: "", arguments: "" };
      calls[call.index] = slot;
      if (call.id) slot.id = call.id;
      slot.name += call.function?.name ?? "";
      slot.arguments += call.function?.arguments ?? "";
    }
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  return { text, chunks, finish, usage, calls };
}

async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof OpenAI.APIError)) throw new Error(`expected an API error, got ${String(error)}`);
  return error;
}

describe.each(pinned)("alias $alias → the $provider wire format", ({ alias, provider }) => {
  it("answers a chat completion, with usage", async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: alias,
        messages: [{ role: "system", content: "be brief" }, user("hello from the sdk")],
      })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe(`[${provider}] You said: hello from the sdk`);
    expect(data.choices[0]?.finish_reason).toBe("stop");
    expect(data.object).toBe("chat.completion");
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    expect(data.usage?.total_tokens).toBe(
      (data.usage?.prompt_tokens ?? 0) + (data.usage?.completion_tokens ?? 0),
    );
    expect(response.headers.get("x-aya-provider")).toBe(provider);
  });

  it("streams a chat completion: deltas, finish reason, then usage when asked", async () => {
    const stream = await client.chat.completions.create({
      model: alias,
      messages: [user("stream this back to me")],
      stream: true,
      stream_options: { include_usage: true },
    });
    const read = await drain(stream);
    expect(read.text).toBe(`[${provider}] You said: stream this back to me`);
    expect(read.chunks).toBeGreaterThan(3);
    expect(read.finish).toBe("stop");
    expect(read.usage?.completion_tokens).toBeGreaterThan(0);
    expect(read.usage?.total_tokens).toBe(
      (read.usage?.prompt_tokens ?? 0) + (read.usage?.completion_tokens ?? 0),
    );

    const plain = await drain(
      await client.chat.completions.create({ model: alias, messages: [user("no usage")], stream: true }),
    );
    expect(plain.text).toBe(`[${provider}] You said: no usage`);
    expect(plain.usage).toBeUndefined();
  });

  it("calls a tool with JSON arguments, then answers from the tool's result", async () => {
    const question = user("what is the weather in Paris?");
    const first = await client.chat.completions.create({
      model: alias,
      messages: [question],
      tools: [weather],
    });
    const choice = first.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    const call = choice?.message.tool_calls?.[0] as ChatCompletionMessageFunctionToolCall;
    expect(call.type).toBe("function");
    expect(call.id).toBeTruthy();
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual({ query: "what is the weather in Paris?" });

    const second = await client.chat.completions.create({
      model: alias,
      tools: [weather],
      messages: [
        question,
        choice?.message as ChatCompletionMessageParam,
        { role: "tool", tool_call_id: call.id, content: JSON.stringify({ celsius: 21 }) },
      ],
    });
    expect(second.choices[0]?.finish_reason).toBe("stop");
    expect(second.choices[0]?.message.content).toMatch(
      new RegExp(`^\\[${provider}\\] .*tool said: .*celsius.*21`),
    );
  });

  it("streams a tool call", async () => {
    const read = await drain(
      await client.chat.completions.create({
        model: alias,
        messages: [user("weather in Oslo")],
        tools: [weather],
        stream: true,
      }),
    );
    expect(read.finish).toBe("tool_calls");
    expect(read.calls).toHaveLength(1);
    expect(read.calls[0]?.id).toBeTruthy();
    expect(read.calls[0]?.name).toBe("get_weather");
    expect(JSON.parse(read.calls[0]?.arguments ?? "")).toEqual({ query: "weather in Oslo" });
  });
});

describe("embeddings", () => {
  for (const alias of ["embed", "gemini-embed"]) {
    it(`${alias}: one float vector per input, in order`, async () => {
      const res = await client.embeddings.create({
        model: alias,
        input: ["hello", "world"],
        encoding_format: "float",
      });
      expect(res.object).toBe("list");
      expect(res.data.map((d) => d.index)).toEqual([0, 1]);
      for (const d of res.data) {
        expect(d.embedding.length).toBeGreaterThan(0);
        expect(d.embedding.every((x) => typeof x === "number")).toBe(true);
      }
      expect(res.data[0]?.embedding).not.toEqual(res.data[1]?.embedding);
      expect(res.usage).toBeDefined();
    });
  }

  it("gemini's vectors, translated, equal the OpenAI passthrough's (both fakes embed alike)", async () => {
    const [openai, gemini] = await Promise.all(
      ["embed", "gemini-embed"].map((model) =>
        client.embeddings.create({ model, input: "same text", encoding_format: "float" }),
      ),
    );
    expect(gemini?.data[0]?.embedding).toEqual(openai?.data[0]?.embedding);
  });

  // The SDK's default call (no encoding_format) asks for base64 and decodes the answer as
  // little-endian float32: the gateway asks every provider for floats and encodes them itself.
  for (const alias of ["embed", "gemini-embed"]) {
    it(`${alias}: the SDK's default (base64) call decodes to the float vectors`, async () => {
      const floats = await client.embeddings.create({
        model: alias,
        input: "hello",
        encoding_format: "float",
      });
      const decoded = await client.embeddings.create({ model: alias, input: "hello" });
      const expected = floats.data[0]?.embedding.map((x) => Math.fround(x));
      expect(decoded.data[0]?.embedding).toEqual(expected);
    });
  }
});

describe("errors arrive as the SDK's own error classes", () => {
  afterEach(async () => {
    for (const { provider } of pinned) await providerMode(`faulty-${provider}`, "ok");
  });

  it("an unknown model is a NotFoundError (404)", async () => {
    const error = await failure(
      client.chat.completions.create({ model: "no-such-model", messages: [user("hi")] }),
    );
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error.status).toBe(404);
    expect(error.code).toBe("model_not_found");
    expect(error.requestID).toBeTruthy(); // the gateway's x-request-id, as the SDK reports it
  });

  it("a request the gateway cannot accept is a BadRequestError (400)", async () => {
    const error = await failure(client.chat.completions.create({ model: "chat", messages: [] }));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/messages/);
  });

  // A provider's 401 is aya's key refused, not the client's: the client gets 502 upstream_error.
  const faults = [
    { status: 400, answered: 400, type: OpenAI.BadRequestError, kind: "invalid_request_error" },
    { status: 401, answered: 502, type: OpenAI.InternalServerError, kind: "server_error" },
    { status: 429, answered: 429, type: OpenAI.RateLimitError, kind: "rate_limit_error" },
    { status: 500, answered: 500, type: OpenAI.InternalServerError, kind: "server_error" },
    { status: 503, answered: 503, type: OpenAI.InternalServerError, kind: "server_error" },
  ];
  for (const { provider } of pinned) {
    for (const { status, answered, type, kind } of faults) {
      it(`${provider} answering ${status}, with no fallback left, is a ${type.name} (${answered})`, async () => {
        await providerMode(`faulty-${provider}`, `status:${status}`);
        const error = await failure(
          client.chat.completions.create({ model: `faulty-${provider}`, messages: [user("hi")] }),
        );
        expect(error).toBeInstanceOf(type);
        expect(error.status).toBe(answered);
        expect(error.type).toBe(kind);
        expect(error.message).toBeTruthy();
        expect(error.message).not.toContain("sk-e2e-secret"); // no provider key in what the client sees
      });
    }
  }

  it("a stream that fails before its first byte raises the error too (429 → RateLimitError)", async () => {
    await providerMode("faulty-anthropic", "status:429");
    const error = await failure(
      client.chat.completions.create({ model: "faulty-anthropic", messages: [user("hi")], stream: true }),
    );
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
  });
});

// Last: it takes the demo's first `chat` provider (openai) down, and back up in afterAll.
describe("alias chat falls back with no visible error", () => {
  afterAll(async () => {
    await startProvider("openai");
    await startProvider("anthropic");
    await providerMode("openai", "ok");
  });

  it("answers from openai while it is up", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "chat", messages: [user("hi")] })
      .withResponse();
    expect(response.headers.get("x-aya-provider")).toBe("openai");
    expect(data.choices[0]?.message.content).toBe("[openai] You said: hi");
  });

  it("answers from anthropic, streamed and not, when openai is down", async () => {
    await stopProvider("openai");
    const { data, response } = await client.chat.completions
      .create({ model: "chat", messages: [user("are you there?")] })
      .withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get("x-aya-provider")).toBe("anthropic");
    expect(data.choices[0]?.message.content).toBe("[anthropic] You said: are you there?");

    const read = await drain(
      await client.chat.completions.create({
        model: "chat",
        messages: [user("still there?")],
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    expect(read.text).toBe("[anthropic] You said: still there?");
    expect(read.finish).toBe("stop");
    expect(read.usage?.total_tokens).toBeGreaterThan(0);
  });

  it("answers from gemini when openai and anthropic are both down", async () => {
    await stopProvider("anthropic");
    const read = await drain(
      await client.chat.completions.create({ model: "chat", messages: [user("anyone?")], stream: true }),
    );
    expect(read.text).toBe("[gemini] You said: anyone?");
    expect(read.finish).toBe("stop");
  });

  it("moves on from a first provider that answers 500", async () => {
    await startProvider("openai");
    await startProvider("anthropic");
    await providerMode("openai", "status:500");
    const { data, response } = await client.chat.completions
      .create({ model: "chat", messages: [user("hello?")] })
      .withResponse();
    expect(response.headers.get("x-aya-provider")).toBe("anthropic");
    expect(data.choices[0]?.message.content).toBe("[anthropic] You said: hello?");
  });
});
