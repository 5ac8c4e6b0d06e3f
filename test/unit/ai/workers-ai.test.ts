// Workers AI through the AI binding: OpenAI requests become the binding's inputs as the Workers
// AI docs show them, its answers and streams become OpenAI's, and `send` drives the binding.
import { describe, expect, it } from "vitest";
import { AiError } from "../../../src/ai/errors";
import { toWorkersAi, workersAi } from "../../../src/ai/providers/workers-ai";
import embeddingsOutput from "../../fixtures/ai/workers-ai/embeddings-output.json";
import jsonModeInput from "../../fixtures/ai/workers-ai/json-mode-input.json";
import jsonModeOutput from "../../fixtures/ai/workers-ai/json-mode-output.json";
import stream from "../../fixtures/ai/workers-ai/stream.sse?raw";
import textOutput from "../../fixtures/ai/workers-ai/text-output.json";
import toolsInput from "../../fixtures/ai/workers-ai/tools-input.json";
import toolsOutput from "../../fixtures/ai/workers-ai/tools-output.json";
import {
  bodyOf,
  chat,
  crlf,
  cuttings,
  encode,
  expected,
  expectedUsage,
  meta,
  refusal,
  target,
  translate,
} from "./feed";

const model = "@cf/meta/llama-3.3-70b-instruct-fp8-fast";

describe("Workers AI request", () => {
  it("names the model for the binding and carries the inputs as the body", () => {
    const upstream = workersAi.chatRequest(chat({ max_tokens: 64 }), target("workers-ai", {}, model, null));
    expect(upstream.url).toBe(`workers-ai:${model}`);
    expect(bodyOf(upstream)).toEqual({ messages: [{ role: "user", content: "hi" }], max_tokens: 64 });
  });

  it("is the docs' JSON Mode input for a json_schema response format", () => {
    const { schema } = { schema: jsonModeInput.response_format.json_schema };
    const req = chat({
      messages: jsonModeInput.messages,
      response_format: { type: "json_schema", json_schema: { name: "country", strict: true, schema } },
    });
    expect(toWorkersAi(req)).toEqual(jsonModeInput);
    expect(toWorkersAi(chat({ response_format: { type: "json_object" } })).response_format).toEqual({
      type: "json_object",
    });
  });

  it("is the docs' function-calling input for tools", () => {
    const req = chat({
      messages: toolsInput.messages,
      tools: toolsInput.tools.map((f) => ({ type: "function", function: f })),
      tool_choice: "auto",
    });
    expect(toWorkersAi(req)).toEqual(toolsInput);
    expect(toWorkersAi({ ...req, tool_choice: "none" })).not.toHaveProperty("tools");
  });

  it("passes the sampling parameters the models take", () => {
    const inputs = toWorkersAi(
      chat({
        temperature: 0.2,
        top_p: 0.9,
        top_k: 5,
        seed: 7,
        presence_penalty: 1,
        frequency_penalty: -1,
        max_tokens: 10,
        max_completion_tokens: 20,
        stream: true,
      }),
    );
    expect(inputs).toMatchObject({
      temperature: 0.2,
      top_p: 0.9,
      top_k: 5,
      seed: 7,
      presence_penalty: 1,
      frequency_penalty: -1,
      max_tokens: 20,
      stream: true,
    });
  });

  it("sends developer messages as system, and the tool-call fields a tool result needs", () => {
    const inputs = toWorkersAi(
      chat({
        messages: [
          { role: "developer", content: "Be terse." },
          {
            role: "user",
            content: [
              { type: "text", text: "weather in " },
              { type: "text", text: "London?" },
            ],
          },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              { id: "call_1", type: "function", function: { name: "getWeather", arguments: "{}" } },
            ],
          },
          { role: "tool", tool_call_id: "call_1", content: "12C" },
        ],
      }),
    );
    expect(inputs.messages).toEqual([
      { role: "system", content: "Be terse." },
      { role: "user", content: "weather in London?" },
      {
        role: "assistant",
        content: "",
        tool_calls: [{ id: "call_1", type: "function", function: { name: "getWeather", arguments: "{}" } }],
      },
      { role: "tool", content: "12C", tool_call_id: "call_1", name: "getWeather" },
    ]);
  });

  it("refuses images: the text models read text only", () => {
    const req = chat({
      messages: [
        { role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,AA==" } }] },
      ],
    });
    expect(refusal(() => toWorkersAi(req))).toMatchObject({
      status: 400,
      code: "unsupported_parameter",
      param: "messages[0].content[0]",
    });
  });

  it("refuses JSON mode for a stream, which Workers AI cannot do", () => {
    const e = refusal(() => toWorkersAi(chat({ stream: true, response_format: { type: "json_object" } })));
    expect(e).toMatchObject({ status: 400, param: "response_format" });
    expect(toWorkersAi(chat({ stream: true, response_format: { type: "text" } }))).not.toHaveProperty(
      "response_format",
    );
  });
});

describe("Workers AI answers", () => {
  it("read text and usage", () => {
    expect(workersAi.chatResponse(textOutput, meta)).toEqual({
      id: meta.id,
      object: "chat.completion",
      created: meta.created,
      model: meta.model,
      choices: [
        { index: 0, message: { role: "assistant", content: textOutput.response }, finish_reason: "stop" },
      ],
      usage: { prompt_tokens: 38, completion_tokens: 20, total_tokens: 58 },
    });
  });

  it("read the docs' tool calls with ids and JSON arguments", () => {
    const out = workersAi.chatResponse(toolsOutput, meta);
    expect(out.choices[0]).toEqual({
      index: 0,
      message: {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: `call_${meta.id}_0`,
            type: "function",
            function: { name: "getWeather", arguments: '{"latitude":"51.5074","longitude":"-0.1278"}' },
          },
        ],
      },
      finish_reason: "tool_calls",
    });
    expect(out.usage?.total_tokens).toBe(328);
  });

  it("read tool calls in OpenAI's shape too, keeping their ids", () => {
    const out = workersAi.chatResponse(
      {
        response: "",
        tool_calls: [
          { id: "chatcmpl-tool-1", type: "function", function: { name: "f", arguments: '{"a":1}' } },
        ],
      },
      meta,
    );
    expect(out.choices[0]?.message.tool_calls).toEqual([
      { id: "chatcmpl-tool-1", type: "function", function: { name: "f", arguments: '{"a":1}' } },
    ]);
  });

  it("read the docs' JSON Mode answer, an object, as JSON text", () => {
    const content = workersAi.chatResponse(jsonModeOutput, meta).choices[0]?.message.content;
    expect(JSON.parse(content ?? "")).toEqual(jsonModeOutput.response);
  });

  it("read embeddings", () => {
    const out = workersAi.embeddingsResponse?.(embeddingsOutput, "@cf/baai/bge-base-en-v1.5");
    expect(out?.data).toEqual([
      { object: "embedding", index: 0, embedding: embeddingsOutput.data[0] },
      { object: "embedding", index: 1, embedding: embeddingsOutput.data[1] },
    ]);
    const upstream = workersAi.embeddingsRequest?.(
      { model: "a", input: "one" },
      target("workers-ai", {}, "@cf/baai/bge-base-en-v1.5"),
    );
    expect(upstream && bodyOf(upstream)).toEqual({ text: ["one"] });
    expect(
      refusal(() =>
        workersAi.embeddingsRequest?.({ model: "a", input: "x", dimensions: 8 }, target("workers-ai")),
      ),
    ).toMatchObject({
      param: "dimensions",
    });
  });
});

describe("Workers AI streams", () => {
  for (const [name, cutting] of Object.entries(cuttings)) {
    it(`translate response events, then usage, when cut ${name}`, async () => {
      for (const text of [stream, crlf(stream)]) {
        expect(await translate(workersAi, text, cutting(encode(text)))).toEqual([
          expected({ role: "assistant", content: "" }),
          expected({ content: "Origami" }),
          expected({ content: " is" }),
          expected({ content: " paper" }),
          expected({ content: " folding." }),
          expected({}, "stop"),
          expectedUsage(38, 4),
        ]);
      }
    });
  }

  it("translate streamed tool calls and finish with tool_calls", async () => {
    const text = `data: ${JSON.stringify({ response: "", tool_calls: [{ name: "getWeather", arguments: { latitude: "1" } }] })}\n\ndata: [DONE]\n\n`;
    expect(await translate(workersAi, text)).toEqual([
      expected({ role: "assistant", content: "" }),
      expected({
        tool_calls: [
          {
            index: 0,
            id: `call_${meta.id}_0`,
            type: "function",
            function: { name: "getWeather", arguments: '{"latitude":"1"}' },
          },
        ],
      }),
      expected({}, "tool_calls"),
      expectedUsage(0, 0),
    ]);
  });

  it("fail when the stream ends before [DONE]", async () => {
    await expect(translate(workersAi, stream.replace("data: [DONE]\n\n", ""))).rejects.toThrow(/\[DONE\]/);
  });
});

describe("Workers AI binding", () => {
  const request = (inputs: Record<string, unknown>) =>
    workersAi.chatRequest(chat(inputs), target("workers-ai", {}, model));

  it("runs the model with the inputs and answers the binding's object as JSON", async () => {
    const calls: unknown[] = [];
    const AI = {
      run: async (name: string, inputs: unknown) => {
        calls.push([name, inputs]);
        return textOutput;
      },
    };
    const res = await workersAi.send?.(request({ max_tokens: 5 }), { AI });
    expect(calls).toEqual([[model, { messages: [{ role: "user", content: "hi" }], max_tokens: 5 }]]);
    expect(res?.status).toBe(200);
    expect(await res?.json()).toEqual(textOutput);
  });

  it("answers the binding's stream as an event stream", async () => {
    const AI = { run: async () => new Response(stream).body };
    const res = await workersAi.send?.(request({ stream: true }), { AI });
    expect(res?.headers.get("content-type")).toBe("text/event-stream");
    expect(await res?.text()).toBe(stream);
  });

  it("turns a model error into a 502 so that the next target is tried", async () => {
    const AI = {
      run: async () => {
        throw new Error("3040: Capacity temporarily exceeded");
      },
    };
    const res = await workersAi.send?.(request({}), { AI });
    expect(res?.status).toBe(502);
    expect(workersAi.errorMessage(await res?.json())).toBe("3040: Capacity temporarily exceeded");
  });

  it("names the missing binding", async () => {
    await expect(workersAi.send?.(request({}), {})).rejects.toSatisfy(
      (e) => e instanceof AiError && e.status === 500 && e.code === "missing_binding",
    );
  });
});
