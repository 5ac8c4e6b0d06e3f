// A cached completion as a chunk stream and back: what a streaming client receives, and what a
// live stream must have delivered before it may be cached.
import { describe, expect, it } from "vitest";
import type { ChatChunk, ChatCompletion } from "../../../src/ai/openai-types";
import { chunkAssembler, completionChunks, recordStream } from "../../../src/cache/ai-stream";

const head = { id: "chatcmpl-r1", created: 1700000000, model: "gpt-4o-mini" };
const usage = { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 };

const text: ChatCompletion = {
  ...head,
  object: "chat.completion",
  choices: [{ index: 0, message: { role: "assistant", content: "Paris." }, finish_reason: "stop" }],
  usage,
};

const tools: ChatCompletion = {
  ...head,
  object: "chat.completion",
  choices: [
    {
      index: 0,
      message: {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "call_1", type: "function", function: { name: "a", arguments: '{"x":1}' } },
          { id: "call_2", type: "function", function: { name: "b", arguments: "{}" } },
        ],
      },
      finish_reason: "tool_calls",
    },
  ],
};

const assemble = (chunks: ChatChunk[]) => {
  const a = chunkAssembler();
  for (const c of chunks) a.add(c);
  return a.completion();
};

describe("replaying a completion as chunks", () => {
  it("sends role, content, finish reason, then usage", () => {
    const chunks = completionChunks(text, head);
    expect(chunks.map((c) => c.choices[0]?.delta ?? "usage")).toEqual([
      { role: "assistant", content: "" },
      { content: "Paris." },
      {},
      "usage",
    ]);
    expect(chunks.map((c) => c.choices[0]?.finish_reason ?? null)).toEqual([null, null, "stop", null]);
    expect(chunks[3]).toMatchObject({ choices: [], usage });
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.id === head.id)).toBe(true);
  });

  it("sends each tool call as a delta with its index", () => {
    const deltas = completionChunks(tools, head).flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(deltas).toEqual([
      { index: 0, id: "call_1", type: "function", function: { name: "a", arguments: '{"x":1}' } },
      { index: 1, id: "call_2", type: "function", function: { name: "b", arguments: "{}" } },
    ]);
  });

  it("assembles back into the same completion", () => {
    expect(assemble(completionChunks(text, head))).toEqual(text);
    expect(assemble(completionChunks(tools, head))).toEqual(tools);
  });
});

describe("assembling a live stream", () => {
  const chunk = (delta: ChatChunk["choices"][number]["delta"], finish: string | null = null): ChatChunk => ({
    ...head,
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, finish_reason: finish as ChatChunk["choices"][number]["finish_reason"] }],
  });

  it("joins content and tool call arguments split over many deltas", () => {
    const done = assemble([
      chunk({ role: "assistant" }),
      chunk({
        tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "a", arguments: "" } }],
      }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"x"' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: ":1}" } }] }),
      chunk({}, "tool_calls"),
    ]);
    expect(done?.choices[0]?.message.tool_calls).toEqual([
      { id: "call_1", type: "function", function: { name: "a", arguments: '{"x":1}' } },
    ]);
    expect(done?.choices[0]?.message.content).toBeNull();
  });

  it("has no answer until every choice has finished", () => {
    expect(assemble([chunk({ role: "assistant", content: "Par" })])).toBeUndefined();
    expect(assemble([])).toBeUndefined();
  });

  it("hands over the answer only when the stream ended whole", async () => {
    const reader = (chunks: ChatChunk[], fail?: Error) =>
      new ReadableStream<ChatChunk>({
        start(c) {
          for (const x of chunks) c.enqueue(x);
          if (fail) c.error(fail);
          else c.close();
        },
      }).getReader();
    const drain = async (r: ReadableStreamDefaultReader<ChatChunk>) => {
      for (;;) if ((await r.read()).done) return;
    };
    const seen: ChatCompletion[] = [];
    await drain(
      recordStream(chunk({ role: "assistant" }), reader([chunk({ content: "Hi" }), chunk({}, "stop")]), (c) =>
        seen.push(c),
      ),
    );
    expect(seen.map((c) => c.choices[0]?.message.content)).toEqual(["Hi"]);

    const broken = recordStream(
      chunk({ role: "assistant" }),
      reader([chunk({ content: "H" })], new Error("cut")),
      (c) => seen.push(c),
    );
    await expect(drain(broken)).rejects.toThrow("cut");
    expect(seen).toHaveLength(1);
  });
});
