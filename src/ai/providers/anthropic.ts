// Anthropic Messages API (POST /v1/messages, x-api-key + anthropic-version): system messages
// become `system`, content parts become content blocks (images as base64 or URL sources), tools
// and tool results become tool_use / tool_result blocks, and the stream's typed events
// (message_start, content_block_*, message_delta, message_stop) become OpenAI chunks.
// https://docs.anthropic.com/en/api/messages · /en/docs/build-with-claude/streaming
import { badRequest, unsupported } from "../errors";
import {
  type ChatChunk,
  type ChatCompletion,
  type ChatMessage,
  type ChatRequest,
  type FinishReason,
  type ToolCall,
  usageOf,
} from "../openai-types";
import { checkParams, commonParams, onlyDefault, type ParamTable } from "./params";
import {
  type Adapter,
  type ChunkMeta,
  chunk,
  completion,
  dataUrl,
  jsonRequest,
  nestedErrorMessage,
  partsOf,
  textOnly,
  toolArguments,
  usageChunk,
} from "./types";

export const ANTHROPIC_VERSION = "2023-06-01";
/** Anthropic requires max_tokens; OpenAI does not. */
export const DEFAULT_MAX_TOKENS = 4096;

const params: ParamTable = {
  ...commonParams,
  // Claude samples at 0–1 where OpenAI takes 0–2: above 1 the number means something Claude
  // cannot do, and clamping it would quietly answer a different question.
  temperature: (v) => (v as number) <= 1 || "Claude's temperature range is 0 to 1",
  top_p: "translated",
  top_k: "translated",
  stop: "translated",
  tool_choice: "translated",
  // false → tool_choice.disable_parallel_tool_use
  parallel_tool_calls: "translated",
  // → metadata.user_id, Anthropic's end-user id for abuse detection
  user: "translated",
  safety_identifier: "translated",
  // json_schema → output_config.format; Claude has no schema-free JSON mode.
  response_format: (v) =>
    (v as ChatRequest["response_format"])?.type !== "json_object" ||
    'Claude returns JSON only against a schema: use type "json_schema"',
  n: onlyDefault(1),
  presence_penalty: onlyDefault(0),
  frequency_penalty: onlyDefault(0),
  // seed, reasoning_effort, audio, verbosity, web_search_options…: in no table, so refused.
};

type Block =
  | { type: "text"; text: string }
  | {
      type: "image";
      source: { type: "base64"; media_type: string; data: string } | { type: "url"; url: string };
    }
  | { type: "tool_use"; id: string; name: string; input: unknown }
  | { type: "tool_result"; tool_use_id: string; content: string };

interface NativeMessage {
  role: "user" | "assistant";
  content: Block[];
}

function blocks(message: ChatMessage, index: number): Block[] {
  return partsOf(message, index).flatMap(({ part, where }): Block[] => {
    if (part.type === "text") return part.text ? [{ type: "text", text: String(part.text) }] : [];
    if (part.type === "image_url") {
      // `detail` is OpenAI's resolution hint; Claude sizes images itself.
      const url = (part.image_url as { url: string }).url;
      const data = dataUrl(url);
      return [
        {
          type: "image",
          source: data
            ? { type: "base64", media_type: data.mimeType, data: data.data }
            : { type: "url", url },
        },
      ];
    }
    throw unsupported("anthropic", where, `content part type "${part.type}"`);
  });
}

function toolUses(message: ChatMessage, index: number): Block[] {
  return (message.tool_calls ?? []).map((call) => ({
    type: "tool_use",
    id: call.id,
    name: call.function.name,
    input: toolArguments(call, index),
  }));
}

function toolResult(message: ChatMessage, index: number): Block {
  if (!message.tool_call_id)
    throw badRequest("a tool message needs the tool_call_id it answers", `messages[${index}].tool_call_id`);
  return {
    type: "tool_result",
    tool_use_id: message.tool_call_id,
    content: textOnly("anthropic", message, index),
  };
}

export function toAnthropic(req: ChatRequest, model: string): Record<string, unknown> {
  checkParams("anthropic", req, params);
  const system: string[] = [];
  const messages: NativeMessage[] = [];
  const push = (role: NativeMessage["role"], content: Block[]) => {
    // Anthropic refuses empty turns; an empty one says nothing, so it is left out.
    if (content.length === 0) return;
    const last = messages[messages.length - 1];
    // Anthropic wants user and assistant turns to alternate: consecutive ones are merged (tool
    // results after an assistant's calls become one user turn, as Anthropic expects them).
    if (last && last.role === role) last.content.push(...content);
    else messages.push({ role, content });
  };
  req.messages.forEach((m, i) => {
    if (m.role === "system" || m.role === "developer") system.push(textOnly("anthropic", m, i));
    else if (m.role === "user") push("user", blocks(m, i));
    else if (m.role === "assistant") push("assistant", [...blocks(m, i), ...toolUses(m, i)]);
    else push("user", [toolResult(m, i)]);
  });
  const body: Record<string, unknown> = {
    model,
    // A turn that is one text block is written as Anthropic's own shorthand, a plain string.
    messages: messages.map((m) => {
      const only = m.content.length === 1 ? m.content[0] : undefined;
      return only?.type === "text" ? { role: m.role, content: only.text } : m;
    }),
    max_tokens: req.max_completion_tokens ?? req.max_tokens ?? DEFAULT_MAX_TOKENS,
  };
  if (system.length) body.system = system.join("\n\n");
  if (req.temperature != null) body.temperature = req.temperature;
  if (req.top_p != null) body.top_p = req.top_p;
  if (req.top_k != null) body.top_k = req.top_k;
  if (req.stop != null) body.stop_sequences = typeof req.stop === "string" ? [req.stop] : req.stop;
  if (req.stream) body.stream = true;
  const userId = req.safety_identifier ?? req.user;
  if (userId) body.metadata = { user_id: userId };
  if (req.tools?.length) {
    body.tools = req.tools.map((t) => ({
      name: t.function.name,
      ...(t.function.description ? { description: t.function.description } : {}),
      input_schema: t.function.parameters ?? { type: "object", properties: {} },
    }));
  }
  const toolChoice = anthropicToolChoice(req);
  if (toolChoice) body.tool_choice = toolChoice;
  if (req.response_format?.type === "json_schema")
    body.output_config = { format: { type: "json_schema", schema: req.response_format.json_schema.schema } };
  return body;
}

function anthropicToolChoice(req: ChatRequest): Record<string, unknown> | undefined {
  const choice = req.tool_choice;
  if (choice === "none") return { type: "none" };
  const serial = req.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  if (choice === "required") return { type: "any", ...serial };
  if (typeof choice === "object" && choice) return { type: "tool", name: choice.function.name, ...serial };
  if (choice === "auto" || req.parallel_tool_calls === false) return { type: "auto", ...serial };
  return undefined;
}

const finish: Record<string, FinishReason> = {
  end_turn: "stop",
  stop_sequence: "stop",
  // A server tool's long turn paused; the client continues it like a finished turn.
  pause_turn: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  refusal: "content_filter",
};
const finishOf = (reason: string | null | undefined): FinishReason => finish[reason ?? ""] ?? "stop";

interface NativeUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

/** OpenAI's prompt_tokens counts cached input too; Anthropic reports cache reads and writes apart. */
const promptTokens = (u: NativeUsage | undefined) =>
  (u?.input_tokens ?? 0) + (u?.cache_creation_input_tokens ?? 0) + (u?.cache_read_input_tokens ?? 0);

interface NativeResponse {
  id: string;
  content: Block[];
  stop_reason: string | null;
  usage?: NativeUsage;
}

export function fromAnthropic(body: NativeResponse, meta: ChunkMeta): ChatCompletion {
  let text = "";
  const toolCalls: ToolCall[] = [];
  for (const b of body.content ?? []) {
    if (b.type === "text") text += b.text;
    else if (b.type === "tool_use") {
      toolCalls.push({
        id: b.id,
        type: "function",
        function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) },
      });
    }
  }
  return completion(
    meta,
    [{ text, toolCalls, finish: finishOf(body.stop_reason) }],
    usageOf(promptTokens(body.usage), body.usage?.output_tokens ?? 0),
  );
}

interface StreamEvent {
  type: string;
  index?: number;
  message?: { usage?: NativeUsage };
  content_block?: { type: string; id?: string; name?: string; text?: string };
  delta?: { type?: string; text?: string; partial_json?: string; stop_reason?: string | null };
  usage?: NativeUsage;
  error?: { type?: string; message?: string };
}

export function anthropicStream(meta: ChunkMeta): TransformStream<{ data: string }, ChatChunk> {
  let usage: NativeUsage = {};
  let stopReason: FinishReason = "stop";
  let stopped = false;
  // Content blocks are numbered across text and tool_use; OpenAI numbers tool calls alone.
  const toolIndexOfBlock = new Map<number, number>();
  return new TransformStream({
    transform(sse, controller) {
      const event = JSON.parse(sse.data) as StreamEvent;
      switch (event.type) {
        case "message_start":
          usage = { ...event.message?.usage };
          controller.enqueue(chunk(meta, { role: "assistant", content: "" }));
          return;
        case "content_block_start":
          // A text block starts empty in every stream the reference shows; should one not, its
          // text is not lost.
          if (event.content_block?.type === "text" && event.content_block.text)
            controller.enqueue(chunk(meta, { content: event.content_block.text }));
          else if (event.content_block?.type === "tool_use") {
            const toolIndex = toolIndexOfBlock.size;
            toolIndexOfBlock.set(event.index ?? 0, toolIndex);
            controller.enqueue(
              chunk(meta, {
                tool_calls: [
                  {
                    index: toolIndex,
                    id: event.content_block.id,
                    type: "function",
                    function: { name: event.content_block.name, arguments: "" },
                  },
                ],
              }),
            );
          }
          return;
        case "content_block_delta":
          if (event.delta?.type === "text_delta" && event.delta.text)
            controller.enqueue(chunk(meta, { content: event.delta.text }));
          else if (event.delta?.type === "input_json_delta" && event.delta.partial_json) {
            const index = toolIndexOfBlock.get(event.index ?? 0);
            if (index === undefined) throw new Error("input_json_delta for a block that is not a tool_use");
            controller.enqueue(
              chunk(meta, { tool_calls: [{ index, function: { arguments: event.delta.partial_json } }] }),
            );
          }
          return;
        case "message_delta":
          stopReason = finishOf(event.delta?.stop_reason);
          // message_delta's counts are cumulative; newer API versions repeat the input counts here.
          for (const [key, value] of Object.entries(event.usage ?? {}))
            if (typeof value === "number") usage[key as keyof NativeUsage] = value;
          return;
        case "message_stop":
          stopped = true;
          controller.enqueue(chunk(meta, {}, stopReason));
          controller.enqueue(usageChunk(meta, usageOf(promptTokens(usage), usage.output_tokens ?? 0)));
          return;
        case "error":
          throw new Error(event.error?.message ?? "anthropic stream error");
        default:
          return; // ping, content_block_stop, and event types added later
      }
    },
    flush() {
      if (!stopped) throw new Error("the stream ended before message_stop");
    },
  });
}

export const anthropic: Adapter = {
  chatRequest(req, target) {
    const headers: Record<string, string> = {
      ...target.provider.headers,
      "anthropic-version": target.provider.apiVersion ?? ANTHROPIC_VERSION,
    };
    if (target.apiKey) headers["x-api-key"] = target.apiKey;
    return jsonRequest(
      `${target.provider.baseUrl ?? "https://api.anthropic.com"}/v1/messages`,
      headers,
      toAnthropic(req, target.model),
    );
  },
  chatResponse: (body, meta) => fromAnthropic(body as NativeResponse, meta),
  chatStream: anthropicStream,
  errorMessage: nestedErrorMessage,
};
