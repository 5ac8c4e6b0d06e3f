// Anthropic Messages API: OpenAI requests become the request bodies Anthropic's reference shows,
// and Anthropic's recorded answers and event streams become what an OpenAI client expects.
import { describe, expect, it } from "vitest";
import { anthropic, DEFAULT_MAX_TOKENS, toAnthropic } from "../../../src/ai/providers/anthropic";
import error from "../../fixtures/ai/anthropic/error.json";
import imageRequest from "../../fixtures/ai/anthropic/image-request.json";
import messagesRequest from "../../fixtures/ai/anthropic/messages-request.json";
import messagesResponse from "../../fixtures/ai/anthropic/messages-response.json";
import stream from "../../fixtures/ai/anthropic/stream.sse?raw";
import overloaded from "../../fixtures/ai/anthropic/stream-overloaded.sse?raw";
import parallelStream from "../../fixtures/ai/anthropic/stream-parallel-tools.sse?raw";
import toolStream from "../../fixtures/ai/anthropic/stream-tool-use.sse?raw";
import toolResultRequest from "../../fixtures/ai/anthropic/tool-result-request.json";
import toolUseRequest from "../../fixtures/ai/anthropic/tool-use-request.json";
import toolUseResponse from "../../fixtures/ai/anthropic/tool-use-response.json";
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

/** The reference's weather tool, as an OpenAI client declares it. */
const weatherTool = {
  type: "function",
  function: {
    name: toolUseRequest.tools[0]?.name,
    description: toolUseRequest.tools[0]?.description,
    parameters: toolUseRequest.tools[0]?.input_schema,
  },
};

describe("Anthropic request", () => {
  it("posts to /v1/messages with x-api-key and anthropic-version", () => {
    const upstream = anthropic.chatRequest(chat({}), target("anthropic"));
    expect(upstream.url).toBe("https://api.anthropic.com/v1/messages");
    expect(upstream.init.headers).toEqual({
      "content-type": "application/json",
      "anthropic-version": "2023-06-01",
      "x-api-key": "secret-key",
    });
    const pinned = anthropic.chatRequest(
      chat({}),
      target("anthropic", {
        baseUrl: "http://claude.local",
        apiVersion: "2024-01-01",
        headers: { "anthropic-beta": "x" },
      }),
    );
    expect(pinned.url).toBe("http://claude.local/v1/messages");
    expect(pinned.init.headers).toMatchObject({ "anthropic-version": "2024-01-01", "anthropic-beta": "x" });
  });

  it("is the reference's basic request for a plain question", () => {
    const req = chat({ messages: [{ role: "user", content: "Hello, world" }], max_tokens: 1024 });
    expect(toAnthropic(req, messagesRequest.model)).toEqual(messagesRequest);
  });

  it("is the reference's tool-use request for tools with tool_choice required", () => {
    const req = chat({
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 1024,
      tools: [weatherTool],
      tool_choice: "required",
      messages: [{ role: "user", content: "What is the weather like in San Francisco?" }],
    });
    expect(toAnthropic(req, toolUseRequest.model)).toEqual(toolUseRequest);
  });

  it("is the reference's tool-result request for an assistant's call and the tool's answer", () => {
    const [question, answer, result] = toolResultRequest.messages;
    const req = chat({
      max_tokens: 1024,
      tools: [weatherTool],
      messages: [
        { role: "user", content: question?.content },
        {
          role: "assistant",
          content: (answer?.content[0] as { text: string } | undefined)?.text,
          tool_calls: [
            {
              id: "toolu_01A09q90qw90lq917835lq9",
              type: "function",
              function: {
                name: "get_weather",
                arguments: '{"location":"San Francisco, CA","unit":"celsius"}',
              },
            },
          ],
        },
        { role: "tool", tool_call_id: "toolu_01A09q90qw90lq917835lq9", content: "15 degrees" },
      ],
    });
    const body = toAnthropic(req, toolResultRequest.model);
    expect(body.messages).toEqual([question, answer, result]);
  });

  it("is the reference's vision request for base64 and URL images", () => {
    const [base64, url] = imageRequest.messages[0]?.content ?? [];
    const req = chat({
      max_tokens: 1024,
      messages: [
        {
          role: "user",
          content: [
            {
              type: "image_url",
              image_url: { url: `data:image/jpeg;base64,${base64?.source?.data}`, detail: "low" },
            },
            { type: "image_url", image_url: { url: url?.source?.url } },
            { type: "text", text: "Describe this image." },
          ],
        },
      ],
    });
    expect(toAnthropic(req, imageRequest.model)).toEqual(imageRequest);
  });

  it("moves system and developer messages into `system`", () => {
    const body = toAnthropic(
      chat({
        messages: [
          { role: "system", content: "Be brief." },
          { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
          { role: "user", content: "Hi" },
        ],
      }),
      "m",
    );
    expect(body.system).toBe("Be brief.\n\nAnswer in French.");
    expect(body.messages).toEqual([{ role: "user", content: "Hi" }]);
  });

  it("refuses an image in a system message instead of dropping it", () => {
    const e = refusal(() =>
      toAnthropic(
        chat({
          messages: [
            { role: "system", content: [{ type: "image_url", image_url: { url: "https://x/y.png" } }] },
            { role: "user", content: "hi" },
          ],
        }),
        "m",
      ),
    );
    expect(e).toMatchObject({ status: 400, code: "unsupported_parameter", param: "messages[0].content[0]" });
  });

  it("merges consecutive turns of one role, tool results first in the user turn that follows", () => {
    const call = (id: string) => ({ id, type: "function", function: { name: "f", arguments: "{}" } });
    const body = toAnthropic(
      chat({
        messages: [
          { role: "user", content: "a" },
          { role: "user", content: "b" },
          { role: "assistant", content: null, tool_calls: [call("t1"), call("t2")] },
          { role: "tool", tool_call_id: "t1", content: "one" },
          { role: "tool", tool_call_id: "t2", content: [{ type: "text", text: "two" }] },
          { role: "user", content: "and now?" },
          { role: "assistant", content: "" },
        ],
      }),
      "m",
    );
    expect(body.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "a" },
          { type: "text", text: "b" },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "tool_use", id: "t1", name: "f", input: {} },
          { type: "tool_use", id: "t2", name: "f", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "t1", content: "one" },
          { type: "tool_result", tool_use_id: "t2", content: "two" },
          { type: "text", text: "and now?" },
        ],
      },
    ]);
  });

  it("refuses tool-call arguments that are not a JSON object, and a tool result without its call id", () => {
    const badArgs = chat({
      messages: [
        { role: "user", content: "x" },
        {
          role: "assistant",
          tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: "[1" } }],
        },
      ],
    });
    expect(refusal(() => toAnthropic(badArgs, "m"))).toMatchObject({
      status: 400,
      param: "messages[1].tool_calls",
    });
    const noId = chat({ messages: [{ role: "tool", content: "x" }] });
    expect(refusal(() => toAnthropic(noId, "m"))).toMatchObject({
      status: 400,
      param: "messages[0].tool_call_id",
    });
  });

  it("maps the sampling parameters, stop, max tokens and the end user", () => {
    const body = toAnthropic(
      chat({
        temperature: 1,
        top_p: 0.9,
        top_k: 40,
        stop: "END",
        max_tokens: 100,
        max_completion_tokens: 200,
        user: "user-42",
      }),
      "m",
    );
    expect(body).toMatchObject({
      temperature: 1,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ["END"],
      max_tokens: 200,
      metadata: { user_id: "user-42" },
    });
    expect(toAnthropic(chat({ stop: ["a", "b"] }), "m").stop_sequences).toEqual(["a", "b"]);
    expect(toAnthropic(chat({}), "m").max_tokens).toBe(DEFAULT_MAX_TOKENS);
    expect(toAnthropic(chat({}), "m")).not.toHaveProperty("stream");
  });

  it("maps tool_choice and parallel_tool_calls", () => {
    const choice = (extra: Record<string, unknown>) =>
      toAnthropic(chat({ tools: [weatherTool], ...extra }), "m").tool_choice;
    expect(choice({})).toBeUndefined();
    expect(choice({ tool_choice: "auto" })).toEqual({ type: "auto" });
    expect(choice({ tool_choice: "none" })).toEqual({ type: "none" });
    expect(choice({ tool_choice: "required" })).toEqual({ type: "any" });
    expect(choice({ tool_choice: { type: "function", function: { name: "get_weather" } } })).toEqual({
      type: "tool",
      name: "get_weather",
    });
    expect(choice({ parallel_tool_calls: false })).toEqual({ type: "auto", disable_parallel_tool_use: true });
    expect(choice({ tool_choice: "required", parallel_tool_calls: false })).toEqual({
      type: "any",
      disable_parallel_tool_use: true,
    });
    expect(choice({ parallel_tool_calls: true })).toBeUndefined();
  });

  it("asks for JSON against a schema with output_config, and refuses schema-less JSON", () => {
    const schema = {
      type: "object",
      properties: { a: { type: "string" } },
      required: ["a"],
      additionalProperties: false,
    };
    const body = toAnthropic(
      chat({ response_format: { type: "json_schema", json_schema: { name: "x", schema } } }),
      "m",
    );
    expect(body.output_config).toEqual({ format: { type: "json_schema", schema } });
    expect(toAnthropic(chat({ response_format: { type: "text" } }), "m")).not.toHaveProperty("output_config");
    expect(refusal(() => toAnthropic(chat({ response_format: { type: "json_object" } }), "m"))).toMatchObject(
      {
        status: 400,
        param: "response_format",
      },
    );
  });

  it("refuses a temperature above 1 rather than clamping it", () => {
    const e = refusal(() => anthropic.chatRequest(chat({ temperature: 1.5 }), target("anthropic")));
    expect(e).toMatchObject({ status: 400, code: "unsupported_parameter", param: "temperature" });
    expect(e.message).toMatch(/0 to 1/);
  });

  it("sends the request as JSON", () => {
    expect(bodyOf(anthropic.chatRequest(chat({}), target("anthropic", {}, "claude")))).toEqual({
      model: "claude",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: DEFAULT_MAX_TOKENS,
    });
  });
});

describe("Anthropic answers", () => {
  it("read the reference's message: text, stop, usage", () => {
    expect(anthropic.chatResponse(messagesResponse, meta)).toEqual({
      id: meta.id,
      object: "chat.completion",
      created: meta.created,
      model: meta.model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "Hi! My name is Claude." },
          finish_reason: "stop",
        },
      ],
      usage: { prompt_tokens: 2095, completion_tokens: 503, total_tokens: 2598 },
    });
  });

  it("read the reference's tool use as tool_calls with JSON arguments", () => {
    const out = anthropic.chatResponse(toolUseResponse, meta);
    expect(out.choices[0]).toEqual({
      index: 0,
      message: {
        role: "assistant",
        content: toolUseResponse.content[0]?.text,
        tool_calls: [
          {
            id: "toolu_01A09q90qw90lq917835lq9",
            type: "function",
            function: { name: "get_weather", arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
          },
        ],
      },
      finish_reason: "tool_calls",
    });
    expect(out.usage).toEqual({ prompt_tokens: 472, completion_tokens: 89, total_tokens: 561 });
  });

  it("count cache reads and writes as prompt tokens, as OpenAI does", () => {
    const usage = {
      input_tokens: 10,
      cache_creation_input_tokens: 200,
      cache_read_input_tokens: 3000,
      output_tokens: 5,
    };
    expect(anthropic.chatResponse({ ...messagesResponse, usage }, meta).usage).toEqual({
      prompt_tokens: 3210,
      completion_tokens: 5,
      total_tokens: 3215,
    });
  });

  it("map every stop reason", () => {
    const reasons: [string | null, string][] = [
      ["end_turn", "stop"],
      ["stop_sequence", "stop"],
      ["pause_turn", "stop"],
      ["max_tokens", "length"],
      ["model_context_window_exceeded", "length"],
      ["tool_use", "tool_calls"],
      ["refusal", "content_filter"],
      ["something_new", "stop"],
      [null, "stop"],
    ];
    for (const [stop_reason, finish] of reasons)
      expect(
        anthropic.chatResponse({ ...messagesResponse, stop_reason }, meta).choices[0]?.finish_reason,
      ).toBe(finish);
  });

  it("read the message of Anthropic's error body", () => {
    expect(anthropic.errorMessage(error)).toBe("The requested resource could not be found.");
  });
});

describe("Anthropic streams", () => {
  for (const [name, cutting] of Object.entries(cuttings)) {
    it(`translate the reference's text stream event by event when cut ${name}`, async () => {
      for (const text of [stream, crlf(stream)]) {
        expect(await translate(anthropic, text, cutting(encode(text)))).toEqual([
          expected({ role: "assistant", content: "" }),
          expected({ content: "Hello" }),
          expected({ content: "!" }),
          expected({}, "stop"),
          expectedUsage(25, 15),
        ]);
      }
    });

    it(`translate the reference's tool-use stream, tool-call deltas included, when cut ${name}`, async () => {
      const text = [
        "Okay",
        ",",
        " let",
        "'s",
        " check",
        " the",
        " weather",
        " for",
        " San",
        " Francisco",
        ",",
        " CA",
        ":",
      ];
      const args = ['{"location":', ' "San', " Francisc", "o,", ' CA"', ", ", '"unit": "fah', 'renheit"}'];
      expect(await translate(anthropic, toolStream, cutting(encode(toolStream)))).toEqual([
        expected({ role: "assistant", content: "" }),
        ...text.map((t) => expected({ content: t })),
        expected({
          tool_calls: [
            {
              index: 0,
              id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
              type: "function",
              function: { name: "get_weather", arguments: "" },
            },
          ],
        }),
        ...args.map((a) => expected({ tool_calls: [{ index: 0, function: { arguments: a } }] })),
        expected({}, "tool_calls"),
        expectedUsage(472, 89),
      ]);
    });
  }

  it("number parallel tool calls 0, 1 and count cached prompt tokens", async () => {
    expect(await translate(anthropic, parallelStream)).toEqual([
      expected({ role: "assistant", content: "" }),
      expected({
        tool_calls: [
          { index: 0, id: "toolu_01A", type: "function", function: { name: "get_weather", arguments: "" } },
        ],
      }),
      expected({ tool_calls: [{ index: 0, function: { arguments: '{"location": "Paris"}' } }] }),
      expected({
        tool_calls: [
          { index: 1, id: "toolu_01B", type: "function", function: { name: "get_time", arguments: "" } },
        ],
      }),
      expected({ tool_calls: [{ index: 1, function: { arguments: '{"timezone": ' } }] }),
      expected({ tool_calls: [{ index: 1, function: { arguments: '"Europe/Paris"}' } }] }),
      expected({}, "tool_calls"),
      expectedUsage(500, 74),
    ]);
  });

  it("fail on Anthropic's error event, after what came before it", async () => {
    const seen: unknown[] = [];
    const reading = translate(
      {
        chatStream: (m) => {
          const t = anthropic.chatStream(m);
          const spy = new TransformStream({
            transform: (c, ctl) => {
              seen.push(c);
              ctl.enqueue(c);
            },
          });
          return { writable: t.writable, readable: t.readable.pipeThrough(spy) };
        },
      },
      overloaded,
    );
    await expect(reading).rejects.toThrow("Overloaded");
    expect(seen).toEqual([expected({ role: "assistant", content: "" }), expected({ content: "Hel" })]);
  });

  it("fail when the stream ends before message_stop", async () => {
    const cut = stream.slice(0, stream.indexOf("event: message_stop"));
    await expect(translate(anthropic, cut)).rejects.toThrow(/message_stop/);
  });
});
