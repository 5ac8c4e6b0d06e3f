// Workers AI through the `AI` binding rather than fetch: the request is built like any other
// (so the dispatcher treats it the same) and `send` hands it to env.AI.run. Answers are
// `{ response, tool_calls?, usage? }` (`response` is an object in JSON mode); streams are SSE of
// `{ response }` ending in [DONE], the last event before it carrying `usage`.
// https://developers.cloudflare.com/workers-ai/models/ (each text model's input/output schema)
import { AiError, unsupported } from "../errors";
import {
  type ChatChunk,
  type ChatCompletion,
  type ChatMessage,
  type ChatRequest,
  type EmbeddingsResponse,
  type ToolCall,
  usageOf,
} from "../openai-types";
import { checkParams, commonParams, onlyDefault, type ParamTable } from "./params";
import {
  type Adapter,
  type ChunkMeta,
  chunk,
  completion,
  jsonRequest,
  partsOf,
  toolNamesById,
  usageChunk,
} from "./types";

const params: ParamTable = {
  ...commonParams,
  temperature: "translated", // Workers AI takes 0–5, which holds OpenAI's 0–2
  top_p: "translated",
  top_k: "translated",
  seed: "translated",
  presence_penalty: "translated",
  frequency_penalty: "translated",
  // JSON mode is the same `response_format` as OpenAI's, but Workers AI cannot stream it.
  response_format: (v, req) =>
    (v as ChatRequest["response_format"])?.type === "text" ||
    !req.stream ||
    "Workers AI has no JSON mode for streamed answers",
  // The binding has no tool_choice: the model always chooses, and "none" is met by not sending tools.
  tool_choice: (v) =>
    v === "auto" || v === "none" || 'Workers AI lets the model choose ("auto") or takes no tools ("none")',
  parallel_tool_calls: onlyDefault(true),
  n: onlyDefault(1),
  // End-user ids for OpenAI's abuse monitoring: the binding has no such field and never sees them.
  user: "ignored",
  safety_identifier: "ignored",
  // stop, reasoning_effort, audio, …: in no table, so refused.
};

interface AiBinding {
  run(model: string, inputs: Record<string, unknown>): Promise<unknown>;
}

/** Workers AI takes tool calls either as `{ name, arguments }` or in OpenAI's own shape. */
type NativeToolCall =
  | { name: string; arguments: unknown }
  | { id?: string; type?: "function"; function: { name: string; arguments: unknown } };

interface NativeAnswer {
  response?: unknown;
  tool_calls?: NativeToolCall[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

/** Workers AI text models read text: an image or audio part is refused, not dropped. */
function text(message: ChatMessage, index: number): string {
  return partsOf(message, index)
    .map(({ part, where }) => {
      if (part.type !== "text") throw unsupported("workers-ai", where, `content part type "${part.type}"`);
      return String(part.text);
    })
    .join("");
}

function nativeMessage(m: ChatMessage, index: number, toolNames: Map<string, string>) {
  const out: Record<string, unknown> = {
    role: m.role === "developer" ? "system" : m.role,
    content: text(m, index),
  };
  // The models' chat templates read OpenAI's tool-call fields; without them a tool result
  // would answer a call the model never saw.
  if (m.tool_calls?.length) out.tool_calls = m.tool_calls;
  if (m.role === "tool") {
    out.tool_call_id = m.tool_call_id;
    const name = toolNames.get(m.tool_call_id ?? "") ?? m.name;
    if (name) out.name = name;
  }
  return out;
}

export function toWorkersAi(req: ChatRequest): Record<string, unknown> {
  checkParams("workers-ai", req, params);
  const toolNames = toolNamesById(req.messages);
  const inputs: Record<string, unknown> = {
    messages: req.messages.map((m, i) => nativeMessage(m, i, toolNames)),
  };
  const set = (key: string, value: unknown) => {
    if (value !== null && value !== undefined) inputs[key] = value;
  };
  set("max_tokens", req.max_completion_tokens ?? req.max_tokens);
  set("temperature", req.temperature);
  set("top_p", req.top_p);
  set("top_k", req.top_k);
  set("seed", req.seed);
  set("presence_penalty", req.presence_penalty);
  set("frequency_penalty", req.frequency_penalty);
  if (req.stream) inputs.stream = true;
  // The documented tool shape is OpenAI's `function` object on its own.
  if (req.tools?.length && req.tool_choice !== "none") inputs.tools = req.tools.map((t) => t.function);
  const format = req.response_format;
  // Workers AI's json_schema is the schema itself, where OpenAI wraps it in { name, schema }.
  if (format?.type === "json_object") inputs.response_format = { type: "json_object" };
  if (format?.type === "json_schema")
    inputs.response_format = { type: "json_schema", json_schema: format.json_schema.schema ?? {} };
  return inputs;
}

function toolCallsOf(calls: NativeToolCall[] | undefined, id: () => string): ToolCall[] {
  return (calls ?? []).map((c) => {
    const fn = "function" in c ? c.function : c;
    const args = fn.arguments;
    return {
      id: ("id" in c && c.id) || id(),
      type: "function" as const,
      function: {
        name: fn.name,
        arguments: typeof args === "string" ? args : JSON.stringify(args ?? {}),
      },
    };
  });
}

/** JSON mode answers with `response` as an object; OpenAI's content is always its text. */
const contentOf = (response: unknown): string | null =>
  response === undefined || response === null
    ? null
    : typeof response === "string"
      ? response
      : JSON.stringify(response);

export function fromWorkersAi(answer: NativeAnswer, meta: ChunkMeta): ChatCompletion {
  let n = 0;
  const toolCalls = toolCallsOf(answer.tool_calls, () => `call_${meta.id}_${n++}`);
  const text = contentOf(answer.response) ?? "";
  // The binding reports no finish reason: a call is "tool_calls", anything else "stop".
  const finish = toolCalls.length ? "tool_calls" : "stop";
  return completion(
    meta,
    [{ text, toolCalls, finish }],
    usageOf(answer.usage?.prompt_tokens ?? 0, answer.usage?.completion_tokens ?? 0),
  );
}

export function workersAiStream(meta: ChunkMeta): TransformStream<{ data: string }, ChatChunk> {
  let n = 0;
  let started = false;
  let finished = false;
  let tools = 0;
  let usage: NativeAnswer["usage"];
  return new TransformStream({
    transform(sse, controller) {
      if (sse.data === "[DONE]") {
        finished = true;
        return;
      }
      const answer = JSON.parse(sse.data) as NativeAnswer & { error?: unknown };
      if (answer.error) throw new Error(String(answer.error));
      if (!started) {
        started = true;
        controller.enqueue(chunk(meta, { role: "assistant", content: "" }));
      }
      const content = contentOf(answer.response);
      if (content) controller.enqueue(chunk(meta, { content }));
      for (const call of toolCallsOf(answer.tool_calls, () => `call_${meta.id}_${n++}`))
        controller.enqueue(chunk(meta, { tool_calls: [{ index: tools++, ...call }] }));
      if (answer.usage) usage = answer.usage;
    },
    flush(controller) {
      if (!finished) throw new Error("the stream ended before [DONE]");
      controller.enqueue(chunk(meta, {}, tools > 0 ? "tool_calls" : "stop"));
      controller.enqueue(usageChunk(meta, usageOf(usage?.prompt_tokens ?? 0, usage?.completion_tokens ?? 0)));
    },
  });
}

export const workersAi: Adapter = {
  chatRequest(req, target) {
    return jsonRequest(`workers-ai:${target.model}`, {}, toWorkersAi(req));
  },
  chatResponse: (body, meta) => fromWorkersAi(body as NativeAnswer, meta),
  chatStream: workersAiStream,
  embeddingsRequest(req, target) {
    if (req.dimensions) throw unsupported("workers-ai", "dimensions");
    if (req.encoding_format === "base64") throw unsupported("workers-ai", "encoding_format");
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
  errorMessage: (body) => {
    const error = (body as { error?: unknown } | null)?.error;
    return typeof error === "string" ? error : undefined;
  },
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
