// OpenAI, OpenAI-compatible servers and Azure OpenAI speak the wire format clients already
// speak: the adapter only routes (URL, key header, the target's model) and passes the rest on.
import { describe, expect, it } from "vitest";
import { adapters } from "../../../src/ai/providers";
import azureResponse from "../../fixtures/ai/azure-openai/chat-response.json";
import azureStream from "../../fixtures/ai/azure-openai/chat-stream.sse?raw";
import azureError from "../../fixtures/ai/azure-openai/error-content-filter.json";
import defaultRequest from "../../fixtures/ai/openai/chat-request.json";
import imageRequest from "../../fixtures/ai/openai/chat-request-image.json";
import toolsRequest from "../../fixtures/ai/openai/chat-request-tools.json";
import chatResponse from "../../fixtures/ai/openai/chat-response.json";
import toolCallsResponse from "../../fixtures/ai/openai/chat-response-tool-calls.json";
import chatStream from "../../fixtures/ai/openai/chat-stream.sse?raw";
import toolCallStream from "../../fixtures/ai/openai/chat-stream-tool-calls.sse?raw";
import embeddingsResponse from "../../fixtures/ai/openai/embeddings-response.json";
import openaiError from "../../fixtures/ai/openai/error.json";
import { bodyOf, chat, crlf, cuttings, encode, meta, target, translate } from "./feed";

const { openai } = adapters;
const azure = adapters["azure-openai"];

describe("OpenAI request", () => {
  it("posts to /chat/completions with a bearer key and the target's model", () => {
    const req = chat({ ...imageRequest, model: "alias", temperature: 0.2 });
    const upstream = openai.chatRequest(req, target("openai", {}, "gpt-4o"));
    expect(upstream.url).toBe("https://api.openai.com/v1/chat/completions");
    expect(upstream.init.method).toBe("POST");
    expect(upstream.init.headers).toEqual({
      "content-type": "application/json",
      authorization: "Bearer secret-key",
    });
    expect(bodyOf(upstream)).toEqual({ ...imageRequest, model: "gpt-4o", temperature: 0.2 });
  });

  it("is the reference's default request, model aside", () => {
    const upstream = openai.chatRequest(
      chat({ ...defaultRequest, model: "alias" }),
      target("openai", {}, "gpt-4o-mini"),
    );
    expect(bodyOf(upstream)).toEqual(defaultRequest);
  });

  it("passes every parameter on, OpenAI's own and unknown ones: the server judges them", () => {
    const req = chat({
      ...toolsRequest,
      n: 2,
      logprobs: true,
      top_logprobs: 3,
      seed: 7,
      vendor_extra: { a: 1 },
    });
    expect(bodyOf(openai.chatRequest(req, target("openai")))).toMatchObject({
      tools: toolsRequest.tools,
      tool_choice: "auto",
      n: 2,
      logprobs: true,
      top_logprobs: 3,
      seed: 7,
      vendor_extra: { a: 1 },
    });
  });

  it("sends an OpenAI-compatible server's base URL and the provider's own headers", () => {
    const compatible = adapters["openai-compatible"];
    const upstream = compatible.chatRequest(
      chat({}),
      target(
        "openai-compatible",
        { baseUrl: "http://vllm.local:8000/v1", headers: { "x-team": "a" } },
        "llama",
      ),
    );
    expect(upstream.url).toBe("http://vllm.local:8000/v1/chat/completions");
    expect(upstream.init.headers).toMatchObject({ "x-team": "a", authorization: "Bearer secret-key" });
  });

  it("sends no authorization header when the provider has no key", () => {
    const upstream = openai.chatRequest(chat({}), target("openai-compatible", {}, "m", null));
    expect(upstream.init.headers).toEqual({ "content-type": "application/json" });
  });
});

describe("Azure OpenAI request", () => {
  it("addresses the deployment with the api-version and an api-key header", () => {
    const upstream = azure.chatRequest(
      chat({}),
      target(
        "azure-openai",
        { baseUrl: "https://acme.openai.azure.com", apiVersion: "2024-10-21" },
        "gpt 4o/prod",
      ),
    );
    expect(upstream.url).toBe(
      "https://acme.openai.azure.com/openai/deployments/gpt%204o%2Fprod/chat/completions?api-version=2024-10-21",
    );
    expect(upstream.init.headers).toEqual({ "content-type": "application/json", "api-key": "secret-key" });
    expect(bodyOf(upstream).model).toBe("gpt 4o/prod");
  });

  it("addresses embeddings the same way", () => {
    const upstream = azure.embeddingsRequest?.(
      { model: "e", input: "hi" },
      target("azure-openai", { baseUrl: "https://acme.openai.azure.com", apiVersion: "2024-10-21" }, "emb"),
    );
    expect(upstream?.url).toBe(
      "https://acme.openai.azure.com/openai/deployments/emb/embeddings?api-version=2024-10-21",
    );
  });
});

describe("OpenAI answers", () => {
  it("are already in the client's shape: content, tool calls, finish reason and usage", () => {
    expect(openai.chatResponse(chatResponse, meta)).toEqual(chatResponse);
    const withCalls = openai.chatResponse(toolCallsResponse, meta);
    expect(withCalls.choices[0]?.message.tool_calls?.[0]?.function).toEqual({
      name: "get_current_weather",
      arguments: '{\n"location": "Boston, MA"\n}',
    });
    expect(withCalls.choices[0]?.finish_reason).toBe("tool_calls");
    expect(withCalls.usage).toMatchObject({ prompt_tokens: 82, completion_tokens: 17, total_tokens: 99 });
    expect(azure.chatResponse(azureResponse, meta)).toEqual(azureResponse);
  });

  it("read the message of OpenAI's and Azure's error bodies", () => {
    expect(openai.errorMessage(openaiError)).toMatch(/^Incorrect API key provided/);
    expect(azure.errorMessage(azureError)).toMatch(/^The response was filtered/);
    expect(openai.errorMessage({ error: "plain string" })).toBe("plain string");
    expect(openai.errorMessage(null)).toBeUndefined();
  });

  it("pass embeddings on", () => {
    expect(openai.embeddingsResponse?.(embeddingsResponse, "m")).toEqual(embeddingsResponse);
  });
});

/** The chunks of a fixture stream, each `data:` event but [DONE] parsed. */
const chunksOf = (sse: string) =>
  sse
    .split("\n\n")
    .filter((e) => e.startsWith("data: ") && e !== "data: [DONE]")
    .map((e) => JSON.parse(e.slice(6)));

describe("OpenAI streams", () => {
  for (const [name, cutting] of Object.entries(cuttings)) {
    it(`pass every chunk on, usage chunk included, when the stream is cut ${name}`, async () => {
      for (const text of [chatStream, crlf(chatStream)]) {
        const out = await translate(openai, text, cutting(encode(text)));
        expect(out).toEqual(chunksOf(chatStream));
      }
      expect(chunksOf(chatStream).at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 29 } });
    });
  }

  it("keep tool-call deltas and their indexes", async () => {
    const out = await translate(
      openai,
      toolCallStream,
      cuttings["in the middle of every line"]?.(encode(toolCallStream)),
    );
    const calls = out.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    const args = (index: number) =>
      calls
        .filter((c) => c.index === index)
        .map((c) => c.function.arguments)
        .join("");
    expect(calls.filter((c) => c.id).map((c) => [c.index, c.id, c.function.name])).toEqual([
      [0, "call_DdmO9pD3xa9XTPNJ32zg2hcA", "get_weather"],
      [1, "call_8BzqMSoyUwvSF6TjhsErwxvP", "get_weather"],
    ]);
    expect(JSON.parse(args(0))).toEqual({ location: "Paris, France" });
    expect(JSON.parse(args(1))).toEqual({ location: "Bogotá, Colombia" });
    expect(out.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("pass Azure's content-filter chunks on, the first one without choices", async () => {
    const out = await translate(
      azure,
      azureStream,
      cuttings["byte by byte (splitting UTF-8 characters)"]?.(encode(azureStream)),
    );
    expect(out).toEqual(chunksOf(azureStream));
    expect(out[0]).toMatchObject({ choices: [], prompt_filter_results: [{ prompt_index: 0 }] });
  });

  it("fail when the stream ends without [DONE]: a cut answer is not a whole one", async () => {
    const cut = chatStream.slice(0, chatStream.indexOf("data: [DONE]"));
    await expect(translate(openai, cut)).rejects.toThrow(/before \[DONE\]/);
  });

  it("fail on an error event in the stream", async () => {
    const broken = `${chatStream.split("\n\n")[0]}\n\ndata: {"error":{"message":"server had an error"}}\n\n`;
    await expect(translate(openai, broken)).rejects.toThrow("server had an error");
  });
});
