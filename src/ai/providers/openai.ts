// OpenAI and every OpenAI-compatible server (vLLM, Ollama, Groq, Mistral, DeepSeek, Together…):
// the request passes through with the target's model, the answer is already in OpenAI's shape.
// Azure OpenAI reuses all of it with its own URL and key header (azure-openai.ts).
import type { ChatChunk, ChatCompletion, EmbeddingsResponse } from "../openai-types";
import { type Adapter, jsonRequest, type Target } from "./types";

export function openAiHeaders(target: Target): Record<string, string> {
  return {
    ...target.provider.headers,
    ...(target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {}),
  };
}

export function openAiCompatible(
  urlFor: (target: Target, path: "chat/completions" | "embeddings") => string,
  headersFor = openAiHeaders,
): Adapter {
  return {
    addsStreamUsage: true,
    chatRequest(req, target) {
      return jsonRequest(urlFor(target, "chat/completions"), headersFor(target), {
        ...req,
        model: target.model,
      });
    },
    chatResponse(body) {
      return body as ChatCompletion;
    },
    chatStream() {
      let finished = false;
      return new TransformStream({
        transform(event, controller) {
          if (event.data === "[DONE]") {
            finished = true;
            return;
          }
          const parsed = JSON.parse(event.data) as ChatChunk & { error?: unknown };
          if (parsed.error) throw new Error(errorText(parsed) ?? "provider stream error");
          controller.enqueue(parsed);
        },
        flush() {
          // A connection that closes without [DONE] is a cut answer, not a whole one.
          if (!finished) throw new Error("the stream ended before [DONE]");
        },
      });
    },
    embeddingsRequest(req, target) {
      return jsonRequest(urlFor(target, "embeddings"), headersFor(target), { ...req, model: target.model });
    },
    embeddingsResponse(body) {
      return body as EmbeddingsResponse;
    },
    errorMessage: errorText,
  };
}

function errorText(body: unknown): string | undefined {
  const error = (body as { error?: { message?: unknown } | string } | null)?.error;
  if (typeof error === "string") return error;
  return typeof error?.message === "string" ? error.message : undefined;
}

export const openai = openAiCompatible(
  (target, path) => `${target.provider.baseUrl ?? "https://api.openai.com/v1"}/${path}`,
);
