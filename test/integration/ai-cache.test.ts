// The AI answer cache through the real Worker, against a fake OpenAI server on 127.0.0.1 and a
// clock the test moves: which answers are cached, under which key, for how long, and how a
// cached answer comes back as an event stream that the official openai SDK accepts.
import OpenAI from "openai";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { isolateState } from "../../src/state/isolate";
import { clockedFetch, countFetches } from "../support/clocked-fetch";
import { fakeProvider, providerMode } from "../support/providers";

interface Chunk {
  object: string;
  choices: {
    index: number;
    delta: {
      role?: string;
      content?: string;
      tool_calls?: {
        index: number;
        id?: string;
        type?: string;
        function: { name?: string; arguments: string };
      }[];
    };
    finish_reason: string | null;
  }[];
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
}

let gw: ReturnType<typeof clockedFetch>;
let providerBase: string;
let calls: ReturnType<typeof countFetches>;

beforeAll(async () => {
  providerBase = `${await fakeProvider("aic-oa", "openai")}/v1`;
  gw = clockedFetch(
    {
      debugHeaders: true,
      providers: { "aic-oa": { type: "openai", apiKeySecret: "OPENAI_KEY", baseUrl: providerBase } },
      models: {
        chat: { targets: [{ provider: "aic-oa", model: "gpt-4o-mini" }] },
        embed: { targets: [{ provider: "aic-oa", model: "text-embedding-3-small" }] },
      },
      routes: [{ path: "/v1/*", ai: true }],
    },
    { OPENAI_KEY: "sk-test-openai" },
  );
});

beforeEach(() => {
  calls = countFetches(providerBase);
});
afterEach(() => {
  calls.restore();
  vi.restoreAllMocks();
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await gw.fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  await gw.settle();
  return { status: res.status, cache: res.headers.get("x-aya-cache"), headers: res.headers, text };
}

const chat = (body: unknown, headers?: Record<string, string>) => post("/v1/chat/completions", body, headers);
const user = (content: string) => [{ role: "user", content }];
const contentOf = (text: string) =>
  (JSON.parse(text) as { choices: { message: { content: string } }[] }).choices[0]?.message.content;

function events(text: string): { chunks: Chunk[]; done: boolean } {
  const data = text
    .split("\n\n")
    .filter((e) => e.startsWith("data: "))
    .map((e) => e.slice(6));
  return {
    done: data[data.length - 1] === "[DONE]",
    chunks: data.filter((d) => d !== "[DONE]").map((d) => JSON.parse(d) as Chunk),
  };
}

const lookupTool = [
  {
    type: "function",
    function: {
      name: "lookup",
      description: "find",
      parameters: { type: "object", properties: { query: { type: "string" } } },
    },
  },
];

describe("AI answer cache: what is cached", () => {
  it("answers a temperature-0 question once, then from the cache without counting usage", async () => {
    const usage = vi.spyOn(isolateState, "recordUsage");
    const question = { model: "chat", temperature: 0, messages: user("capital of France?") };
    const first = await chat(question);
    expect(first.status).toBe(200);
    expect(first.cache).toBe("MISS");
    expect(calls.count).toBe(1);
    expect(usage).toHaveBeenCalledTimes(1);

    const again = await chat(question);
    expect(again.cache).toBe("HIT");
    expect(calls.count).toBe(1);
    expect(usage).toHaveBeenCalledTimes(1);
    expect(contentOf(again.text)).toBe(contentOf(first.text));
    expect(again.headers.get("x-aya-provider")).toBe("aic-oa");
    expect(again.headers.get("x-aya-model")).toBe("gpt-4o-mini");
    expect(again.headers.get("x-aya-attempts")).toBe("0");
    // Each answer is its own: a new id, with this request's id in it.
    const ids = [first, again].map((r) => (JSON.parse(r.text) as { id: string }).id);
    expect(ids[1]).not.toBe(ids[0]);
    expect(ids[1]).toBe(`chatcmpl-${again.headers.get("x-request-id")}`);
  });

  it("keeps a temperature-0 answer for an hour by the gateway's clock", async () => {
    const question = { model: "chat", temperature: 0, messages: user("an hour of cache") };
    await chat(question);
    gw.advance(3_599_000);
    expect((await chat(question)).cache).toBe("HIT");
    gw.advance(2_000);
    expect((await chat(question)).cache).toBe("MISS");
    expect(calls.count).toBe(2);
  });

  it("does not cache a sampled answer unless x-aya-cache-ttl asks, for that long", async () => {
    const sampled = { model: "chat", temperature: 0.7, messages: user("tell me a story") };
    expect((await chat(sampled)).cache).toBe("BYPASS");
    expect((await chat(sampled)).cache).toBe("BYPASS");
    // No temperature at all means the provider's default (1): sampled too.
    const unset = { model: "chat", messages: user("no temperature given") };
    expect((await chat(unset)).cache).toBe("BYPASS");
    expect((await chat(unset)).cache).toBe("BYPASS");
    expect(calls.count).toBe(4);

    const ttl = { "x-aya-cache-ttl": "60" };
    expect((await chat(sampled, ttl)).cache).toBe("MISS");
    expect((await chat(sampled, ttl)).cache).toBe("HIT");
    expect(calls.count).toBe(5);
    gw.advance(61_000);
    expect((await chat(sampled, ttl)).cache).toBe("MISS");
    expect(calls.count).toBe(6);
  });

  it("bypasses with x-aya-cache-ttl: 0 or Cache-Control: no-store, both ways", async () => {
    const question = { model: "chat", temperature: 0, messages: user("do not keep this") };
    expect((await chat(question, { "x-aya-cache-ttl": "0" })).cache).toBe("BYPASS");
    expect((await chat(question, { "cache-control": "no-store" })).cache).toBe("BYPASS");
    expect(calls.count).toBe(2);
    // Neither stored anything.
    expect((await chat(question)).cache).toBe("MISS");
    expect(calls.count).toBe(3);
    // And once it is cached, neither reads it.
    expect((await chat(question, { "x-aya-cache-ttl": "0" })).cache).toBe("BYPASS");
    expect((await chat(question, { "cache-control": "no-store" })).cache).toBe("BYPASS");
    expect(calls.count).toBe(5);
    // An unreadable ttl is not a reason to cache.
    expect((await chat({ ...question, temperature: 1 }, { "x-aya-cache-ttl": "soon" })).cache).toBe("BYPASS");
  });

  it("refreshes with Cache-Control: no-cache: asks the provider and stores the new answer", async () => {
    const question = { model: "chat", temperature: 0, messages: user("refresh me") };
    await chat(question);
    gw.advance(3_000_000);
    expect((await chat(question, { "cache-control": "no-cache" })).cache).toBe("BYPASS");
    expect(calls.count).toBe(2);
    // An hour after the first answer, 1,000 s after the refresh: only the refresh can answer.
    gw.advance(1_000_000);
    expect((await chat(question)).cache).toBe("HIT");
    expect(calls.count).toBe(2);
  });

  it("never stores a failed answer", async () => {
    const question = { model: "chat", temperature: 0, messages: user("provider trouble") };
    await providerMode("aic-oa", "status:500");
    try {
      expect((await chat(question)).status).toBe(500);
    } finally {
      await providerMode("aic-oa", "ok");
    }
    expect((await chat(question)).cache).toBe("MISS");
    expect(calls.count).toBe(2);
  });

  it("caches embeddings only when x-aya-cache-ttl asks", async () => {
    const input = { model: "embed", input: ["alpha", "beta"] };
    expect((await post("/v1/embeddings", input)).cache).toBe("BYPASS");
    expect((await post("/v1/embeddings", input)).cache).toBe("BYPASS");
    const ttl = { "x-aya-cache-ttl": "300" };
    const first = await post("/v1/embeddings", input, ttl);
    const again = await post("/v1/embeddings", input, ttl);
    expect([first.cache, again.cache]).toEqual(["MISS", "HIT"]);
    expect(calls.count).toBe(3);
    expect(JSON.parse(again.text)).toEqual(JSON.parse(first.text));
    // Other input, other entry.
    expect((await post("/v1/embeddings", { ...input, input: ["alpha"] }, ttl)).cache).toBe("MISS");
  });
});

describe("AI answer cache: the key", () => {
  const base = {
    model: "chat",
    temperature: 0,
    max_tokens: 50,
    response_format: {
      type: "json_schema",
      json_schema: { name: "answer", schema: { type: "object", properties: { city: { type: "string" } } } },
    },
    messages: user("what is in the key?"),
  };

  it("splits entries on messages, parameters and the model name as given", async () => {
    expect((await chat(base)).cache).toBe("MISS");
    expect((await chat({ ...base, messages: user("what else is in the key?") })).cache).toBe("MISS");
    expect((await chat({ ...base, max_tokens: 51 })).cache).toBe("MISS");
    expect((await chat({ ...base, seed: 7 })).cache).toBe("MISS");
    expect(
      (await chat({ ...base, messages: [{ role: "system", content: "be brief" }, ...base.messages] })).cache,
    ).toBe("MISS");
    // The same model addressed as provider/model is another name, so another entry.
    expect((await chat({ ...base, model: "aic-oa/gpt-4o-mini" })).cache).toBe("MISS");
    expect(calls.count).toBe(6);
  });

  it("keeps one entry whatever the key order, user, stream options or explicit nulls", async () => {
    const question = { ...base, messages: user("order does not matter") };
    expect((await chat(question)).cache).toBe("MISS");
    // Keys in another order at every depth, written by hand. The JSON schema is passed through as
    // the client wrote it (validation rebuilds only the fields it knows), so its order must not count.
    const reordered =
      '{"messages":[{"content":"order does not matter","role":"user"}],"response_format":{"json_schema":' +
      '{"schema":{"properties":{"city":{"type":"string"}},"type":"object"},"name":"answer"},"type":"json_schema"},' +
      '"max_tokens":50,"temperature":0,"model":"chat"}';
    expect((await chat(reordered)).cache).toBe("HIT");
    expect((await chat({ ...question, user: "someone-else", top_p: null })).cache).toBe("HIT");
    expect((await chat({ ...question, stream: false, stream_options: null })).cache).toBe("HIT");
    expect(calls.count).toBe(1);
  });
});

describe("AI answer cache: streams", () => {
  it("replays a cached answer as chat.completion.chunk events ending in [DONE]", async () => {
    const question = { model: "chat", temperature: 0, messages: user("replay me as a stream") };
    const whole = await chat(question);
    const res = await chat({ ...question, stream: true });
    expect(res.cache).toBe("HIT");
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const { chunks, done } = events(res.text);
    expect(done).toBe(true);
    expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe(contentOf(whole.text));
    expect(chunks[chunks.length - 1]?.choices[0]?.finish_reason).toBe("stop");
    // No usage chunk unless asked for.
    expect(chunks.some((c) => c.usage)).toBe(false);

    const withUsage = events(
      (await chat({ ...question, stream: true, stream_options: { include_usage: true } })).text,
    );
    const last = withUsage.chunks[withUsage.chunks.length - 1];
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBeGreaterThan(0);
    expect(withUsage.chunks.filter((c) => c.usage)).toHaveLength(1);
    expect(calls.count).toBe(1);
  });

  it("replays tool calls as deltas with their index and the tool_calls finish reason", async () => {
    const question = { model: "chat", temperature: 0, tools: lookupTool, messages: user("weather in Oslo") };
    await chat(question);
    const { chunks, done } = events((await chat({ ...question, stream: true })).text);
    expect(done).toBe(true);
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(deltas).toEqual([
      {
        index: 0,
        id: "call_1",
        type: "function",
        function: { name: "lookup", arguments: JSON.stringify({ query: "weather in Oslo" }) },
      },
    ]);
    expect(chunks[chunks.length - 1]?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(calls.count).toBe(1);
  });

  it("stores a streamed answer once it has finished, for streamed and whole requests alike", async () => {
    const question = { model: "chat", temperature: 0, messages: user("first asked as a stream") };
    const live = await chat({ ...question, stream: true });
    expect(live.cache).toBe("MISS");
    const liveText = events(live.text)
      .chunks.map((c) => c.choices[0]?.delta.content ?? "")
      .join("");
    const whole = await chat(question);
    expect(whole.cache).toBe("HIT");
    expect(contentOf(whole.text)).toBe(liveText);
    expect((await chat({ ...question, stream: true })).cache).toBe("HIT");
    expect(calls.count).toBe(1);
  });

  it("never stores a stream that broke", async () => {
    const question = { model: "chat", temperature: 0, messages: user("a stream cut in the middle") };
    await providerMode("aic-oa", "break-stream");
    try {
      const cut = await chat({ ...question, stream: true });
      expect(events(cut.text).done).toBe(false);
    } finally {
      await providerMode("aic-oa", "ok");
    }
    expect((await chat(question)).cache).toBe("MISS");
    expect(calls.count).toBe(2);
  });

  it("is accepted by the official openai SDK, text and tool calls", async () => {
    const client = new OpenAI({
      apiKey: "sk-client",
      baseURL: "https://gw.example/v1",
      fetch: gw.fetch,
      maxRetries: 0,
    });
    const messages = [{ role: "user" as const, content: "the SDK reads this back" }];
    const first = await client.chat.completions.create({ model: "chat", temperature: 0, messages });
    await gw.settle();

    const stream = await client.chat.completions.create({
      model: "chat",
      temperature: 0,
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(first.choices[0]?.message.content);
    expect(finish).toBe("stop");
    expect(usage?.total_tokens).toBe(first.usage?.total_tokens);

    // The SDK's stream helper checks every delta and assembles the tool call from them.
    const toolMessages = [{ role: "user" as const, content: "weather in Lima" }];
    const tools = lookupTool as OpenAI.ChatCompletionTool[];
    await client.chat.completions.create({ model: "chat", temperature: 0, tools, messages: toolMessages });
    await gw.settle();
    const replayed = await client.chat.completions
      .stream({ model: "chat", temperature: 0, tools, messages: toolMessages })
      .finalChatCompletion();
    const call = replayed.choices[0]?.message.tool_calls?.[0];
    expect(replayed.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call?.type === "function" && call.function.name).toBe("lookup");
    expect(call?.type === "function" && JSON.parse(call.function.arguments)).toEqual({
      query: "weather in Lima",
    });
    expect(calls.count).toBe(2);
  });
});

describe("AI answer cache: whose answers, for how long, and purge", () => {
  it("caps a client's x-aya-cache-ttl at a day by default", async () => {
    const question = { model: "chat", temperature: 0.5, messages: user("keep this for 31 years") };
    const ttl = { "x-aya-cache-ttl": "999999999" };
    expect((await chat(question, ttl)).cache).toBe("MISS");
    gw.advance(86_399_000);
    expect((await chat(question, ttl)).cache).toBe("HIT");
    gw.advance(2_000);
    expect((await chat(question, ttl)).cache).toBe("MISS");
    expect(calls.count).toBe(2);
  });

  it("keeps each hostname's answers apart", async () => {
    const question = { model: "chat", temperature: 0, messages: user("which tenant am I?") };
    const on = (host: string) =>
      gw
        .fetch(`https://${host}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(question),
        })
        .then(async (res) => {
          await res.text();
          await gw.settle();
          return res.headers.get("x-aya-cache");
        });
    expect(await on("tenant-a.example")).toBe("MISS");
    expect(await on("tenant-b.example")).toBe("MISS");
    expect(await on("tenant-a.example")).toBe("HIT");
    expect(calls.count).toBe(2);
  });

  it("purges AI answers by alias or all of them, behind the admin token", async () => {
    const admin = (body: unknown, token = "test-admin-token") =>
      gw.fetch("/__aya/cache/purge", {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const ttl = { "x-aya-cache-ttl": "600" };
    const chatQ = { model: "chat", temperature: 0, messages: user("purge me by alias") };
    const directQ = { model: "aic-oa/gpt-4o-mini", temperature: 0, messages: user("purge me with the rest") };
    const embedQ = { model: "embed", input: ["purge me too"] };
    await chat(chatQ);
    await chat(directQ);
    await post("/v1/embeddings", embedQ, ttl);
    expect((await admin({ ai: "chat" }, "wrong")).status).toBe(401);
    const byAlias = await admin({ ai: "chat" });
    expect(byAlias.status).toBe(200);
    expect(((await byAlias.json()) as { removed: number }).removed).toBeGreaterThanOrEqual(1);
    gw.advance(1_000);
    expect((await chat(chatQ)).cache).toBe("MISS");
    expect((await chat(directQ)).cache).toBe("HIT");
    expect((await post("/v1/embeddings", embedQ, ttl)).cache).toBe("HIT");
    const all = await admin({ ai: "*" });
    expect(((await all.json()) as { removed: number }).removed).toBeGreaterThanOrEqual(3);
    gw.advance(1_000);
    expect((await chat(directQ)).cache).toBe("MISS");
    expect((await post("/v1/embeddings", embedQ, ttl)).cache).toBe("MISS");
    expect((await admin({ ai: 7 })).status).toBe(400);
  });
});

describe("AI answer cache: per route, and configured", () => {
  /** A gateway of two ai routes (optionally with more config), and one question asked through it. */
  async function twoRoutes(id: string, extra: Record<string, unknown> = {}) {
    const base = `${await fakeProvider(id, "openai")}/v1`;
    const g = clockedFetch(
      {
        debugHeaders: true,
        providers: { [id]: { type: "openai", apiKeySecret: "OPENAI_KEY", baseUrl: base } },
        models: { chat: { targets: [{ provider: id, model: "gpt-4o-mini" }] } },
        routes: [
          { path: "/v1/*", ai: true },
          { path: "/team-b/v1/*", ai: true },
        ],
        ...extra,
      },
      { OPENAI_KEY: "sk-test-openai" },
    );
    const ask = async (path: string, question: string, headers: Record<string, string> = {}) => {
      const res = await g.fetch(path, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ model: "chat", temperature: 0, messages: user(question) }),
      });
      await res.text();
      await g.settle();
      return res.headers.get("x-aya-cache");
    };
    return { ...g, ask };
  }

  it("keeps each route's answers apart", async () => {
    const g = await twoRoutes("aic-routes");
    expect(await g.ask("/v1/chat/completions", "one question, two routes")).toBe("MISS");
    expect(await g.ask("/team-b/v1/chat/completions", "one question, two routes")).toBe("MISS");
    expect(await g.ask("/v1/chat/completions", "one question, two routes")).toBe("HIT");
  });

  it("takes aiCache.maxClientTtlSeconds as the cap on x-aya-cache-ttl", async () => {
    const g = await twoRoutes("aic-cap", { aiCache: { maxClientTtlSeconds: 120 } });
    const ttl = { "x-aya-cache-ttl": "3600" };
    expect(await g.ask("/v1/chat/completions", "capped", ttl)).toBe("MISS");
    g.advance(119_000);
    expect(await g.ask("/v1/chat/completions", "capped", ttl)).toBe("HIT");
    g.advance(2_000);
    expect(await g.ask("/v1/chat/completions", "capped", ttl)).toBe("MISS");
  });
});
