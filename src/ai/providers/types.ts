// A provider adapter is small (DESIGN rule 5): how to build the native request, how to read the
// native answer, and how to turn the native event stream into OpenAI chunks. Everything else
// (targets, health, circuit, fallback, usage) is the gateway's and the same for every provider.
import type { ProviderConfig } from "../../config/normalize";
import type {
  ChatChunk,
  ChatCompletion,
  ChatRequest,
  EmbeddingsRequest,
  EmbeddingsResponse,
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
  /** For providers that are not reached by fetch (Workers AI): performs the request. */
  send?(request: UpstreamRequest, env: Record<string, unknown>): Promise<Response>;
}

/** `data:<mime>;base64,<data>` split, or undefined for an ordinary URL. */
export function dataUrl(url: string): { mimeType: string; data: string } | undefined {
  const match = /^data:([^;]+);base64,(.*)$/.exec(url);
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
): ChatChunk => ({
  id: meta.id,
  object: "chat.completion.chunk",
  created: meta.created,
  model: meta.model,
  choices: [{ index: 0, delta, finish_reason: finish }],
});
