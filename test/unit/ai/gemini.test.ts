// Gemini generateContent / streamGenerateContent: OpenAI requests become the bodies Google's
// examples send, and Google's recorded answers and streams become what an OpenAI client expects.
import { describe, expect, it } from "vitest";
import { gemini, toGemini } from "../../../src/ai/providers/gemini";
import batchEmbedRequest from "../../fixtures/ai/gemini/batch-embed-request.json";
import batchEmbedResponse from "../../fixtures/ai/gemini/batch-embed-response.json";
import blocked from "../../fixtures/ai/gemini/blocked-prompt-response.json";
import error from "../../fixtures/ai/gemini/error.json";
import functionCallRequest from "../../fixtures/ai/gemini/function-call-request.json";
import functionCallResponse from "../../fixtures/ai/gemini/function-call-response.json";
import functionResponseRequest from "../../fixtures/ai/gemini/function-response-request.json";
import functionResponseResponse from "../../fixtures/ai/gemini/function-response-response.json";
import generateRequest from "../../fixtures/ai/gemini/generate-content-request.json";
import generateResponse from "../../fixtures/ai/gemini/generate-content-response.json";
import parallelCalls from "../../fixtures/ai/gemini/parallel-function-calls-response.json";
import stream from "../../fixtures/ai/gemini/stream.sse?raw";
import functionCallStream from "../../fixtures/ai/gemini/stream-function-call.sse?raw";
import usageStream from "../../fixtures/ai/gemini/stream-usage.sse?raw";
import thinking from "../../fixtures/ai/gemini/thinking-response.json";
import {
  bodyOf,
  chat,
  cuttings,
  encode,
  expected,
  expectedUsage,
  meta,
  refusal,
  target,
  translate,
} from "./feed";

/** The reference's declarations, as an OpenAI client declares them. */
const movieTools = functionCallRequest.tools[0]?.functionDeclarations.map((d) => ({
  type: "function",
  function: { name: d.name, description: d.description, parameters: d.parameters },
}));

describe("Gemini request", () => {
  it("posts to :generateContent, or :streamGenerateContent?alt=sse, with x-goog-api-key", () => {
    const plain = gemini.chatRequest(chat({}), target("gemini", {}, "gemini-2.0-flash"));
    expect(plain.url).toBe(
      "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent",
    );
    expect(plain.init.headers).toEqual({
      "content-type": "application/json",
      "x-goog-api-key": "secret-key",
    });
    const streamed = gemini.chatRequest(
      chat({ stream: true, stream_options: { include_usage: true } }),
      target("gemini", { baseUrl: "http://gemini.local" }, "tuned/model"),
    );
    expect(streamed.url).toBe(
      "http://gemini.local/v1beta/models/tuned%2Fmodel:streamGenerateContent?alt=sse",
    );
    expect(bodyOf(streamed)).toEqual({ contents: [{ role: "user", parts: [{ text: "hi" }] }] });
  });

  it("is the reference's first prompt, with the role it leaves implicit", () => {
    const body = toGemini(
      chat({ messages: [{ role: "user", content: "Give me python code to sort a list." }] }),
    );
    expect(body).toEqual({ contents: [{ role: "user", ...generateRequest.contents[0] }] });
  });

  it("declares tools as functionDeclarations, their JSON Schema as parametersJsonSchema", () => {
    const body = toGemini(
      chat({
        tools: movieTools,
        messages: [{ role: "user", content: "Which theaters in Mountain View show Barbie movie?" }],
      }),
    );
    expect(body.contents).toEqual(functionCallRequest.contents);
    expect(body.tools).toEqual([
      {
        functionDeclarations: functionCallRequest.tools[0]?.functionDeclarations.map(
          ({ parameters, ...rest }) => ({
            ...rest,
            parametersJsonSchema: parameters,
          }),
        ),
      },
    ]);
  });

  it("is the reference's function-response turn for a tool result, named after the call it answers", () => {
    const [question, call, answer] = functionResponseRequest.contents;
    const first = (content: typeof question) =>
      content?.parts[0] as
        | { text?: string; functionCall?: { args: unknown }; functionResponse?: { response: unknown } }
        | undefined;
    const response = first(answer)?.functionResponse?.response;
    const body = toGemini(
      chat({
        tools: movieTools,
        messages: [
          { role: "user", content: first(question)?.text },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              {
                id: "call_1",
                type: "function",
                function: {
                  name: "find_theaters",
                  arguments: JSON.stringify(first(call)?.functionCall?.args),
                },
              },
            ],
          },
          { role: "tool", tool_call_id: "call_1", content: JSON.stringify(response) },
        ],
      }),
    );
    // Today's reference sends function responses in a user turn; the older example said "function".
    expect(body.contents).toEqual([question, call, { ...answer, role: "user" }]);
  });

  it("wraps a tool result that is not a JSON object, and refuses one that answers no call", () => {
    const call = { id: "c", type: "function", function: { name: "f", arguments: "{}" } };
    const contents = (content: string) =>
      toGemini(
        chat({
          messages: [
            { role: "user", content: "x" },
            { role: "assistant", tool_calls: [call] },
            { role: "tool", tool_call_id: "c", content },
          ],
        }),
      ).contents as { parts: unknown[] }[];
    expect(contents("21 degrees")[2]?.parts).toEqual([
      { functionResponse: { name: "f", response: { result: "21 degrees" } } },
    ]);
    expect(contents("[1,2]")[2]?.parts).toEqual([
      { functionResponse: { name: "f", response: { result: [1, 2] } } },
    ]);
    const orphan = chat({ messages: [{ role: "tool", tool_call_id: "nope", content: "x" }] });
    expect(refusal(() => toGemini(orphan))).toMatchObject({ status: 400, param: "messages[0].tool_call_id" });
  });

  it("sends system and developer messages as systemInstruction", () => {
    const body = toGemini(
      chat({
        messages: [
          { role: "system", content: "You are a cat." },
          { role: "developer", content: "Your name is Neko." },
          { role: "user", content: "Good morning!" },
        ],
      }),
    );
    expect(body.systemInstruction).toEqual({ parts: [{ text: "You are a cat.\n\nYour name is Neko." }] });
    expect(body.contents).toEqual([{ role: "user", parts: [{ text: "Good morning!" }] }]);
  });

  it("sends images inline from data URLs and by URL with their type, and refuses an untyped URL", () => {
    const image = (url: string) =>
      chat({
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "What is this?" },
              { type: "image_url", image_url: { url } },
            ],
          },
        ],
      });
    expect(
      (toGemini(image("data:image/png;base64,iVBORw0KGgo=")).contents as { parts: unknown[] }[])[0]?.parts,
    ).toEqual([{ text: "What is this?" }, { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } }]);
    expect(
      (toGemini(image("https://example.com/jetpack.JPG?size=2")).contents as { parts: unknown[] }[])[0]
        ?.parts[1],
    ).toEqual({ fileData: { mimeType: "image/jpeg", fileUri: "https://example.com/jetpack.JPG?size=2" } });
    expect(refusal(() => toGemini(image("https://example.com/picture")))).toMatchObject({
      status: 400,
      code: "unsupported_parameter",
      param: "messages[0].content[1]",
    });
  });

  it("puts the sampling parameters in generationConfig", () => {
    const body = toGemini(
      chat({
        temperature: 1.5,
        top_p: 0.8,
        top_k: 20,
        max_tokens: 50,
        max_completion_tokens: 100,
        stop: ["END"],
        n: 2,
        seed: 42,
        presence_penalty: 0.5,
        frequency_penalty: -0.5,
        reasoning_effort: "low",
      }),
    );
    expect(body.generationConfig).toEqual({
      temperature: 1.5,
      topP: 0.8,
      topK: 20,
      maxOutputTokens: 100,
      stopSequences: ["END"],
      candidateCount: 2,
      seed: 42,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
      thinkingConfig: { thinkingBudget: 1024 },
    });
    expect(toGemini(chat({ stop: "x" })).generationConfig).toEqual({ stopSequences: ["x"] });
    expect(toGemini(chat({ reasoning_effort: "none" })).generationConfig).toEqual({
      thinkingConfig: { thinkingBudget: 0 },
    });
    expect(toGemini(chat({}))).not.toHaveProperty("generationConfig");
  });

  it("asks for JSON with responseMimeType, and for a schema with responseJsonSchema", () => {
    expect(toGemini(chat({ response_format: { type: "json_object" } })).generationConfig).toEqual({
      responseMimeType: "application/json",
    });
    const schema = { type: "object", properties: { name: { type: "string" } } };
    expect(
      toGemini(chat({ response_format: { type: "json_schema", json_schema: { name: "x", schema } } }))
        .generationConfig,
    ).toEqual({ responseMimeType: "application/json", responseJsonSchema: schema });
  });

  it("maps tool_choice to functionCallingConfig", () => {
    const config = (tool_choice: unknown) => toGemini(chat({ tools: movieTools, tool_choice })).toolConfig;
    expect(config("auto")).toEqual({ functionCallingConfig: { mode: "AUTO" } });
    expect(config("none")).toEqual({ functionCallingConfig: { mode: "NONE" } });
    expect(config("required")).toEqual({ functionCallingConfig: { mode: "ANY" } });
    expect(config({ type: "function", function: { name: "find_movies" } })).toEqual({
      functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["find_movies"] },
    });
  });

  it("is the reference's batchEmbedContents request for embeddings", () => {
    const upstream = gemini.embeddingsRequest?.(
      { model: "alias", input: batchEmbedRequest.requests.map((r) => r.content.parts[0]?.text ?? "") },
      target("gemini", {}, "text-embedding-004"),
    );
    expect(upstream?.url).toBe(
      "https://generativelanguage.googleapis.com/v1beta/models/text-embedding-004:batchEmbedContents",
    );
    expect(upstream && bodyOf(upstream)).toEqual(batchEmbedRequest);
    expect(
      refusal(() =>
        gemini.embeddingsRequest?.({ model: "a", input: "x", encoding_format: "base64" }, target("gemini")),
      ),
    ).toMatchObject({
      param: "encoding_format",
    });
  });
});

describe("Gemini answers", () => {
  it("read the reference's answer: text, stop, usage", () => {
    expect(gemini.chatResponse(generateResponse, meta)).toEqual({
      id: meta.id,
      object: "chat.completion",
      created: meta.created,
      model: meta.model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: generateResponse.candidates[0]?.content.parts[0]?.text },
          finish_reason: "stop",
        },
      ],
      usage: { prompt_tokens: 9, completion_tokens: 87, total_tokens: 96 },
    });
  });

  it("read a functionCall as a tool call, finishing with tool_calls although Gemini says STOP", () => {
    const out = gemini.chatResponse(functionCallResponse, meta);
    expect(out.choices).toEqual([
      {
        index: 0,
        message: {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: `call_${meta.id}_0`,
              type: "function",
              function: {
                name: "find_theaters",
                arguments: '{"movie":"Barbie","location":"Mountain View, CA"}',
              },
            },
          ],
        },
        finish_reason: "tool_calls",
      },
    ]);
    expect(out.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
    expect(gemini.chatResponse(functionResponseResponse, meta).choices[0]?.message.content).toMatch(
      /^OK\. I found two/,
    );
  });

  it("read parallel calls with one id each", () => {
    const calls = gemini.chatResponse(parallelCalls, meta).choices[0]?.message.tool_calls;
    expect(calls?.map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      [`call_${meta.id}_0`, "power_disco_ball", { power: true }],
      [`call_${meta.id}_1`, "start_music", { energetic: true, loud: true }],
      [`call_${meta.id}_2`, "dim_lights", { brightness: 0.5 }],
    ]);
  });

  it("carry a thinking model's call signature in the call id, and send it back with the call", () => {
    const signed = {
      candidates: [
        {
          content: {
            role: "model",
            parts: [
              {
                functionCall: { name: "find_theaters", args: { movie: "Barbie" } },
                thoughtSignature: "CiQB0e2Kb+/sig==",
              },
              { functionCall: { name: "find_movies", args: {} } },
            ],
          },
          finishReason: "STOP",
        },
      ],
    };
    const calls = gemini.chatResponse(signed, meta).choices[0]?.message.tool_calls ?? [];
    expect(calls.map((c) => c.id)).toEqual([`call_${meta.id}_0:ts:CiQB0e2Kb+/sig==`, `call_${meta.id}_1`]);
    const next = toGemini(
      chat({
        messages: [
          { role: "user", content: "x" },
          { role: "assistant", content: null, tool_calls: calls },
          ...calls.map((c) => ({ role: "tool", tool_call_id: c.id, content: "{}" })),
        ],
      }),
    );
    expect((next.contents as { parts: unknown[] }[])[1]?.parts).toEqual(signed.candidates[0]?.content.parts);
    expect((next.contents as { parts: unknown[] }[])[2]?.parts).toEqual([
      { functionResponse: { name: "find_theaters", response: {} } },
      { functionResponse: { name: "find_movies", response: {} } },
    ]);
  });

  it("count thinking tokens as completion tokens, as OpenAI counts reasoning", () => {
    expect(gemini.chatResponse(thinking, meta).usage).toEqual({
      prompt_tokens: 14,
      completion_tokens: 422,
      total_tokens: 436,
    });
  });

  it("read a blocked prompt as content_filter", () => {
    const out = gemini.chatResponse(blocked, meta);
    expect(out.choices).toEqual([
      { index: 0, message: { role: "assistant", content: "" }, finish_reason: "content_filter" },
    ]);
    expect(out.usage?.prompt_tokens).toBe(8);
  });

  it("map the finish reasons", () => {
    const finish = (finishReason: string) =>
      gemini.chatResponse({ candidates: [{ content: { parts: [{ text: "x" }] }, finishReason }] }, meta)
        .choices[0]?.finish_reason;
    expect(finish("STOP")).toBe("stop");
    expect(finish("MAX_TOKENS")).toBe("length");
    for (const reason of ["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"])
      expect(finish(reason)).toBe("content_filter");
    expect(finish("OTHER")).toBe("stop");
  });

  it("read one choice per candidate when n > 1", () => {
    const out = gemini.chatResponse(
      {
        candidates: [
          { content: { parts: [{ text: "one" }] }, finishReason: "STOP", index: 0 },
          { content: { parts: [{ text: "two" }] }, finishReason: "MAX_TOKENS", index: 1 },
        ],
      },
      meta,
    );
    expect(out.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, "one", "stop"],
      [1, "two", "length"],
    ]);
  });

  it("leave thought summaries out of the answer", () => {
    const out = gemini.chatResponse(
      {
        candidates: [
          { content: { parts: [{ text: "hmm…", thought: true }, { text: "42" }] }, finishReason: "STOP" },
        ],
      },
      meta,
    );
    expect(out.choices[0]?.message.content).toBe("42");
  });

  it("read embeddings in order", () => {
    const out = gemini.embeddingsResponse?.(batchEmbedResponse, "text-embedding-004");
    expect(out?.data.map((d) => [d.index, d.embedding[0]])).toEqual([
      [0, -0.010632277],
      [1, 0.018467998],
      [2, 0.05808907],
    ]);
  });

  it("read the message of Google's error body", () => {
    expect(gemini.errorMessage(error)).toBe("API key not valid. Please pass a valid API key.");
  });
});

describe("Gemini streams", () => {
  const story = [...stream.matchAll(/"text": ("(?:[^"\\]|\\.)*")/g)].map(
    (m) => JSON.parse(m[1] as string) as string,
  );

  for (const [name, cutting] of Object.entries(cuttings)) {
    it(`translate the recorded stream (CRLF events, a Chinese phrase) when cut ${name}`, async () => {
      expect(story).toHaveLength(6);
      expect(await translate(gemini, stream, cutting(encode(stream)))).toEqual([
        expected({ role: "assistant", content: "" }),
        ...story.map((t) => expected({ content: t })),
        expected({}, "stop"),
        expectedUsage(0, 0),
      ]);
    });
  }

  it("report the last event's usage", async () => {
    expect(
      await translate(
        gemini,
        usageStream,
        cuttings["byte by byte (splitting UTF-8 characters)"]?.(encode(usageStream)),
      ),
    ).toEqual([
      expected({ role: "assistant", content: "" }),
      expected({ content: "The" }),
      expected({ content: " quick brown fox jumps over the lazy" }),
      expected({ content: " dog." }),
      expected({}, "stop"),
      expectedUsage(7, 11),
    ]);
  });

  it("number streamed function calls across events and finish with tool_calls", async () => {
    expect(await translate(gemini, functionCallStream)).toEqual([
      expected({ role: "assistant", content: "" }),
      expected({
        tool_calls: [
          {
            index: 0,
            id: `call_${meta.id}_0`,
            type: "function",
            function: {
              name: "find_theaters",
              arguments: '{"movie":"Barbie","location":"Mountain View, CA"}',
            },
          },
        ],
      }),
      expected({
        tool_calls: [
          {
            index: 1,
            id: `call_${meta.id}_1`,
            type: "function",
            function: {
              name: "find_movies",
              arguments: '{"location":"Mountain View, CA","description":"comedy"}',
            },
          },
        ],
      }),
      expected({}, "tool_calls"),
      expectedUsage(7, 25),
    ]);
  });

  it("keep candidates apart when n > 1", async () => {
    const event = (index: number, text: string, finishReason?: string) =>
      `data: ${JSON.stringify({ candidates: [{ content: { parts: [{ text }] }, index, ...(finishReason ? { finishReason } : {}) }] })}\r\n\r\n`;
    const text = event(0, "a") + event(1, "b") + event(1, "c", "STOP") + event(0, "d", "MAX_TOKENS");
    expect(await translate(gemini, text)).toEqual([
      expected({ role: "assistant", content: "" }, null, 0),
      expected({ content: "a" }, null, 0),
      expected({ role: "assistant", content: "" }, null, 1),
      expected({ content: "b" }, null, 1),
      expected({ content: "c" }, null, 1),
      expected({ content: "d" }, null, 0),
      expected({}, "length", 0),
      expected({}, "stop", 1),
      expectedUsage(0, 0),
    ]);
  });

  it("fail when the stream ends without a finish reason", async () => {
    const cut = usageStream.slice(0, usageStream.lastIndexOf("data: "));
    await expect(translate(gemini, cut)).rejects.toThrow(/finish reason/);
  });

  it("fail on an error event", async () => {
    await expect(translate(gemini, `data: ${JSON.stringify(error)}\r\n\r\n`)).rejects.toThrow(
      /API key not valid/,
    );
  });
});
