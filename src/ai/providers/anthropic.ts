// Anthropic Messages API (POST /v1/messages, x-api-key + anthropic-version): system messages
// become `system`, content parts become content blocks (images as base64 or URL sources), tools
// and tool results become tool_use / tool_result blocks, and the stream's typed events
// (message_start, content_block_*, message_delta) become OpenAI chunks.
import { badRequest, unsupported } from "../errors";
import {
  type ChatCompletion,
  type ChatMessage,
  type ChatRequest,
  type FinishReason,
  type ToolCall,
  textOf,
  usageOf,
} from "../openai-types";
import { type Adapter, type ChunkMeta, chunk, dataUrl, jsonRequest, nestedErrorMessage } from "./types";

export const ANTHROPIC_VERSION = "2023-06-01";
/** Anthropic requires max_tokens; OpenAI does not. */
export const DEFAULT_MAX_TOKENS = 4096;

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

function blocks(content: ChatMessage["content"]): Block[] {
  if (typeof content === "string") return content ? [{ type: "text", text: content }] : [];
  const out: Block[] = [];
  for (const part of content ?? []) {
    if (part.type === "text") out.push({ type: "text", text: (part as { text: string }).text });
    else if (part.type === "image_url") {
      const url = (part as { image_url: { url: string } }).image_url.url;
      const data = dataUrl(url);
      out.push({
        type: "image",
        source: data ? { type: "base64", media_type: data.mimeType, data: data.data } : { type: "url", url },
      });
    } else throw unsupported("anthropic", `content part type "${part.type}"`);
  }
  return out;
}

function parseArguments(call: ToolCall): unknown {
  try {
    return JSON.parse(call.function.arguments || "{}");
  } catch {
    throw badRequest(`tool call ${call.id} has arguments that are not JSON`, "messages");
  }
}

export function toAnthropic(req: ChatRequest, model: string): Record<string, unknown> {
  if (req.response_format && req.response_format.type !== "text")
    throw unsupported("anthropic", "response_format");
  if (req.n && req.n > 1) throw unsupported("anthropic", "n");
  const system: string[] = [];
  const messages: NativeMessage[] = [];
  const push = (role: NativeMessage["role"], content: Block[]) => {
    const last = messages[messages.length - 1];
    // Anthropic wants user and assistant turns to alternate: merge consecutive ones.
    if (last && last.role === role) last.content.push(...content);
    else messages.push({ role, content });
  };
  for (const m of req.messages) {
    if (m.role === "system" || m.role === "developer") system.push(textOf(m.content));
    else if (m.role === "user") push("user", blocks(m.content));
    else if (m.role === "assistant") {
      const content = blocks(m.content);
      for (const call of m.tool_calls ?? []) {
        content.push({
          type: "tool_use",
          id: call.id,
          name: call.function.name,
          input: parseArguments(call),
        });
      }
      push("assistant", content);
    } else if (m.role === "tool") {
      push("user", [{ type: "tool_result", tool_use_id: m.tool_call_id ?? "", content: textOf(m.content) }]);
    }
  }
  const body: Record<string, unknown> = {
    model,
    messages,
    max_tokens: req.max_completion_tokens ?? req.max_tokens ?? DEFAULT_MAX_TOKENS,
  };
  if (system.length) body.system = system.join("\n\n");
  if (req.temperature != null) body.temperature = Math.min(req.temperature, 1);
  if (req.top_p != null) body.top_p = req.top_p;
  if (req.stop != null) body.stop_sequences = typeof req.stop === "string" ? [req.stop] : req.stop;
  if (req.stream) body.stream = true;
  if (req.tools?.length) {
    body.tools = req.tools.map((t) => ({
      name: t.function.name,
      description: t.function.description,
      input_schema: t.function.parameters ?? { type: "object", properties: {} },
    }));
  }
  const choice = req.tool_choice;
  if (choice === "auto") body.tool_choice = { type: "auto" };
  else if (choice === "required") body.tool_choice = { type: "any" };
  else if (choice === "none") body.tool_choice = { type: "none" };
  else if (choice) body.tool_choice = { type: "tool", name: choice.function.name };
  return body;
}

const finish: Record<string, FinishReason> = {
  end_turn: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  tool_use: "tool_calls",
  refusal: "content_filter",
};

interface NativeResponse {
  id: string;
  content: Block[];
  stop_reason: string | null;
  usage?: { input_tokens?: number; output_tokens?: number };
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
          content: text || (toolCalls.length ? null : ""),
          ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: finish[body.stop_reason ?? ""] ?? "stop",
      },
    ],
    usage: usageOf(body.usage?.input_tokens ?? 0, body.usage?.output_tokens ?? 0),
  };
}

interface StreamEvent {
  type: string;
  index?: number;
  message?: { usage?: { input_tokens?: number; output_tokens?: number } };
  content_block?: { type: string; id?: string; name?: string };
  delta?: { type?: string; text?: string; partial_json?: string; stop_reason?: string };
  usage?: { output_tokens?: number; input_tokens?: number };
  error?: { type?: string; message?: string };
}

export function anthropicStream(
  meta: ChunkMeta,
): TransformStream<{ data: string }, ReturnType<typeof chunk>> {
  let promptTokens = 0;
  let completionTokens = 0;
  let stopReason: FinishReason = "stop";
  let stopped = false;
  const toolIndexOfBlock = new Map<number, number>();
  return new TransformStream({
    transform(sse, controller) {
      const event = JSON.parse(sse.data) as StreamEvent;
      switch (event.type) {
        case "message_start":
          promptTokens = event.message?.usage?.input_tokens ?? 0;
          completionTokens = event.message?.usage?.output_tokens ?? 0;
          controller.enqueue(chunk(meta, { role: "assistant", content: "" }));
          return;
        case "content_block_start":
          if (event.content_block?.type === "tool_use") {
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
          if (event.delta?.type === "text_delta")
            controller.enqueue(chunk(meta, { content: event.delta.text ?? "" }));
          else if (event.delta?.type === "input_json_delta") {
            const index = toolIndexOfBlock.get(event.index ?? 0) ?? 0;
            controller.enqueue(
              chunk(meta, {
                tool_calls: [{ index, function: { arguments: event.delta.partial_json ?? "" } }],
              }),
            );
          }
          return;
        case "message_delta":
          stopReason = finish[event.delta?.stop_reason ?? ""] ?? "stop";
          completionTokens = event.usage?.output_tokens ?? completionTokens;
          if (event.usage?.input_tokens) promptTokens = event.usage.input_tokens;
          return;
        case "message_stop":
          stopped = true;
          controller.enqueue(chunk(meta, {}, stopReason));
          controller.enqueue({
            ...chunk(meta, {}),
            choices: [],
            usage: usageOf(promptTokens, completionTokens),
          });
          return;
        case "error":
          throw new Error(event.error?.message ?? "anthropic stream error");
        default:
          return; // ping, content_block_stop
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
