// A provider adapter is small (DESIGN rule 5): how to build the native request, how to read the
// native answer, and how to turn the native event stream into OpenAI chunks. Everything else
// (targets, health, circuit, fallback, usage) is the gateway's and the same for every provider.
import type { ProviderConfig } from "../../config/normalize";
import { badRequest } from "../errors";
import type {
  ChatChunk,
  ChatCompletion,
  ChatMessage,
  ChatRequest,
  EmbeddingsRequest,
  EmbeddingsResponse,
  FinishReason,
  ToolCall,
  Usage,
} from "../openai-types";
import type { SseEvent } from "../sse";

export interface Target {
  provider: ProviderConfig;
  /** The provider's own model (or Azure deployment) name. */
  model: string;
  apiKey?: string;
}

export interface UpstreamRequest {
  url: string;
  init: RequestInit & { headers: Record<string, string> };
}

export interface ChunkMeta {
  id: string;
  created: number;
  model: string;
}

export interface Adapter {
  /** The native chat request. Throws an AiError (400) for a parameter the provider cannot honour. */
  chatRequest(req: ChatRequest, target: Target): UpstreamRequest;
  chatResponse(body: unknown, meta: ChunkMeta): ChatCompletion;
  /** Native stream events to OpenAI chunks; the last chunk that carries `usage` reports it. */
  chatStream(meta: ChunkMeta): TransformStream<SseEvent, ChatChunk>;
  embeddingsRequest?(req: EmbeddingsRequest, target: Target): UpstreamRequest;
  embeddingsResponse?(body: unknown, model: string): EmbeddingsResponse;
  /** The message inside a native error body. */
  errorMessage(body: unknown): string | undefined;
  /**
   * The gateway may add `stream_options.include_usage` to streamed requests, so that usage is
   * counted even when the client did not ask for it. Only for servers known to take the option:
   * OpenAI-compatible servers that do not know it reject the whole request.
   */
  addsStreamUsage?: boolean;
  /** For providers that are not reached by fetch (Workers AI): performs the request. */
  send?(request: UpstreamRequest, env: Record<string, unknown>): Promise<Response>;
}

/** `data:<mime>;base64,<data>` split, or undefined for an ordinary URL. */
export function dataUrl(url: string): { mimeType: string; data: string } | undefined {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return match ? { mimeType: match[1] as string, data: match[2] as string } : undefined;
}

/** The message in `{ "error": { "message": … } }`, the error shape Anthropic and Gemini share. */
export function nestedErrorMessage(body: unknown): string | undefined {
  const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
  return typeof message === "string" ? message : undefined;
}

export function jsonRequest(url: string, headers: Record<string, string>, body: unknown): UpstreamRequest {
  return {
    url,
    init: {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    },
  };
}

export const chunk = (
  meta: ChunkMeta,
  delta: ChatChunk["choices"][number]["delta"],
  finish: ChatChunk["choices"][number]["finish_reason"] = null,
  index = 0,
): ChatChunk => ({
  id: meta.id,
  object: "chat.completion.chunk",
  created: meta.created,
  model: meta.model,
  choices: [{ index, delta, finish_reason: finish }],
});

/** The last chunk of a stream: no choices, only the usage (OpenAI's include_usage shape). */
export const usageChunk = (meta: ChunkMeta, usage: NonNullable<ChatChunk["usage"]>): ChatChunk => ({
  id: meta.id,
  object: "chat.completion.chunk",
  created: meta.created,
  model: meta.model,
  choices: [],
  usage,
});

/** One choice of a translated answer: its text and tool calls, and why it ended. */
export interface AnswerChoice {
  text: string;
  toolCalls: ToolCall[];
  finish: FinishReason;
  index?: number;
}

/**
 * A whole answer in OpenAI's shape. A choice that only calls tools has `content: null`, as
 * OpenAI answers; `tool_calls` is present only when there are some.
 */
export const completion = (meta: ChunkMeta, choices: AnswerChoice[], usage: Usage): ChatCompletion => ({
  id: meta.id,
  object: "chat.completion",
  created: meta.created,
  model: meta.model,
  choices: choices.map((c, position) => ({
    index: c.index ?? position,
    message: {
      role: "assistant",
      content: c.text || (c.toolCalls.length ? null : ""),
      ...(c.toolCalls.length ? { tool_calls: c.toolCalls } : {}),
    },
    finish_reason: c.finish,
  })),
  usage,
});

/** One content part of a message, with its position for error messages (`messages[2].content[1]`). */
export interface Part {
  part: { type: string } & Record<string, unknown>;
  where: string;
}

/** A message's content as parts; a string is one text part. */
export function partsOf(message: ChatMessage, index: number): Part[] {
  const content = message.content;
  if (typeof content === "string")
    return content ? [{ part: { type: "text", text: content }, where: `messages[${index}].content` }] : [];
  return (content ?? []).map((part, j) => ({
    part: part as Part["part"],
    where: `messages[${index}].content[${j}]`,
  }));
}

/** The text of a message whose content the provider takes as text only (system, tool results). */
export function textOnly(provider: string, message: ChatMessage, index: number): string {
  return partsOf(message, index)
    .map(({ part, where }) => {
      if (part.type !== "text")
        throw badRequest(
          `${where}: ${message.role} messages take text only on ${provider}`,
          where,
          "unsupported_parameter",
        );
      return String(part.text);
    })
    .join("");
}

/** A tool call's arguments as an object, for providers that take them parsed. */
export function toolArguments(call: ToolCall, index: number): Record<string, unknown> {
  let args: unknown;
  try {
    args = JSON.parse(call.function.arguments || "{}");
  } catch {
    args = undefined;
  }
  if (typeof args !== "object" || args === null || Array.isArray(args))
    throw badRequest(
      `tool call ${call.id} has arguments that are not a JSON object`,
      `messages[${index}].tool_calls`,
    );
  return args as Record<string, unknown>;
}

/** The tool results in `role: "tool"` messages answer calls by id; this finds each call's name. */
export function toolNamesById(messages: ChatMessage[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const m of messages) for (const call of m.tool_calls ?? []) names.set(call.id, call.function.name);
  return names;
}
