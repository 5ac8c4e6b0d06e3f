// Workers AI through the `AI` binding rather than fetch: the request is built like any other
// (so the dispatcher treats it the same) and `send` hands it to env.AI.run. Answers are
// `{ response, tool_calls?, usage? }`; streams are SSE of `{ response }` ending in [DONE].
import { AiError, unsupported } from "../errors";
import {
  type ChatCompletion,
  type EmbeddingsResponse,
  type FinishReason,
  textOf,
  usageOf,
} from "../openai-types";
import { type Adapter, type ChunkMeta, chunk, jsonRequest } from "./types";

interface AiBinding {
  run(model: string, inputs: Record<string, unknown>): Promise<unknown>;
}

interface NativeAnswer {
  response?: string;
  tool_calls?: { name: string; arguments: unknown }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

const toolCallsOf = (answer: NativeAnswer, meta: ChunkMeta) =>
  (answer.tool_calls ?? []).map((c, i) => ({
    id: `call_${meta.id}_${i}`,
    type: "function" as const,
    function: {
      name: c.name,
      arguments: typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments ?? {}),
    },
  }));

export const workersAi: Adapter = {
  chatRequest(req, target) {
    if (req.response_format && req.response_format.type !== "text")
      throw unsupported("workers-ai", "response_format");
    if (req.n && req.n > 1) throw unsupported("workers-ai", "n");
    const inputs: Record<string, unknown> = {
      messages: req.messages.map((m) => ({
        role: m.role === "developer" ? "system" : m.role,
        content: textOf(m.content),
      })),
    };
    const max = req.max_completion_tokens ?? req.max_tokens;
    if (max != null) inputs.max_tokens = max;
    if (req.temperature != null) inputs.temperature = req.temperature;
    if (req.top_p != null) inputs.top_p = req.top_p;
    if (req.stream) inputs.stream = true;
    if (req.tools?.length) inputs.tools = req.tools.map((t) => t.function);
    return jsonRequest(`workers-ai:${target.model}`, {}, inputs);
  },
  chatResponse(body, meta): ChatCompletion {
    const answer = body as NativeAnswer;
    const toolCalls = toolCallsOf(answer, meta);
    const finish: FinishReason = toolCalls.length ? "tool_calls" : "stop";
    return {
      id: meta.id,
      object: "chat.completion",
      created: meta.created,
      model: meta.model,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: answer.response ?? null,
            ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
          },
          finish_reason: finish,
        },
      ],
      usage: usageOf(answer.usage?.prompt_tokens ?? 0, answer.usage?.completion_tokens ?? 0),
    };
  },
  chatStream(meta) {
    let started = false;
    let finished = false;
    let usage: NativeAnswer["usage"];
    return new TransformStream({
      transform(sse, controller) {
        if (sse.data === "[DONE]") {
          finished = true;
          return;
        }
        const answer = JSON.parse(sse.data) as NativeAnswer;
        if (!started) {
          started = true;
          controller.enqueue(chunk(meta, { role: "assistant", content: "" }));
        }
        if (answer.response) controller.enqueue(chunk(meta, { content: answer.response }));
        if (answer.usage) usage = answer.usage;
      },
      flush(controller) {
        if (!finished) throw new Error("the stream ended before [DONE]");
        controller.enqueue(chunk(meta, {}, "stop"));
        controller.enqueue({
          ...chunk(meta, {}),
          choices: [],
          usage: usageOf(usage?.prompt_tokens ?? 0, usage?.completion_tokens ?? 0),
        });
      },
    });
  },
  embeddingsRequest(req, target) {
    if (req.dimensions) throw unsupported("workers-ai", "dimensions");
    return jsonRequest(
      `workers-ai:${target.model}`,
      {},
      { text: typeof req.input === "string" ? [req.input] : req.input },
    );
  },
  embeddingsResponse(body, model): EmbeddingsResponse {
    const data = (body as { data?: number[][] }).data ?? [];
    return {
      object: "list",
      data: data.map((embedding, index) => ({ object: "embedding", index, embedding })),
      model,
      usage: { prompt_tokens: 0, total_tokens: 0 },
    };
  },
  errorMessage: (body) => (body as { error?: string } | null)?.error,
  async send(request, env) {
    const ai = env.AI as AiBinding | undefined;
    if (!ai)
      throw new AiError(
        500,
        'provider type workers-ai needs the AI binding in wrangler.toml ([ai] binding = "AI")',
        "server_error",
        "missing_binding",
      );
    const model = request.url.slice("workers-ai:".length);
    const inputs = JSON.parse(String(request.init.body)) as Record<string, unknown>;
    try {
      const result = await ai.run(model, inputs);
      if (result instanceof ReadableStream)
        return new Response(result, { headers: { "content-type": "text/event-stream" } });
      return Response.json(result);
    } catch (error) {
      // The binding throws for model errors; treat them as the provider's 5xx so fallback applies.
      return Response.json({ error: String((error as Error).message ?? error) }, { status: 502 });
    }
  },
};
