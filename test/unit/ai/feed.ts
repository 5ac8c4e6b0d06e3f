// Test helpers for the AI adapters: requests as the handler parses them, targets, and native
// streams fed to the SSE parser and an adapter in network chunks cut at awkward places.

import { AiError } from "../../../src/ai/errors";
import { type ChatChunk, type ChatRequest, chatRequestSchema } from "../../../src/ai/openai-types";
import type { Adapter, ChunkMeta, Target } from "../../../src/ai/providers/types";
import { type SseEvent, sseParser } from "../../../src/ai/sse";
import type { ProviderConfig } from "../../../src/config/normalize";

export const meta: ChunkMeta = { id: "chatcmpl-req1", created: 1700000000, model: "the-model" };

/** A chat request as the gateway's handler hands it to an adapter (validated, defaults kept). */
export function chat(body: Record<string, unknown>): ChatRequest {
  return chatRequestSchema.parse({ model: "alias", messages: [{ role: "user", content: "hi" }], ...body });
}

export function target(
  type: ProviderConfig["type"],
  provider: Partial<ProviderConfig> = {},
  model = "the-model",
  apiKey: string | null = "secret-key",
): Target {
  return {
    provider: { name: "p", type, headers: {}, timeoutMs: 60_000, ...provider } as ProviderConfig,
    model,
    apiKey: apiKey ?? undefined,
  };
}

/** The JSON body of an upstream request. */
export const bodyOf = (request: { init: RequestInit }) =>
  JSON.parse(String(request.init.body)) as Record<string, unknown>;

/** The AiError a call throws (fails the test when it throws nothing or something else). */
export function refusal(call: () => unknown): AiError {
  try {
    call();
  } catch (error) {
    if (error instanceof AiError) return error;
    throw error;
  }
  throw new Error("expected an AiError, got none");
}

/** A chunk as the client should see it: the gateway's id, time and model around a delta. */
export function expected(
  delta: ChatChunk["choices"][number]["delta"],
  finish: ChatChunk["choices"][number]["finish_reason"] = null,
  index = 0,
): ChatChunk {
  return { ...envelope, choices: [{ index, delta, finish_reason: finish }] };
}

export function expectedUsage(prompt: number, completion: number): ChatChunk {
  return {
    ...envelope,
    choices: [],
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  };
}

const envelope = {
  id: meta.id,
  object: "chat.completion.chunk" as const,
  created: meta.created,
  model: meta.model,
};

/** Where to cut a byte stream into network chunks; each cutting is awkward in its own way. */
export const cuttings: Record<string, (bytes: Uint8Array) => number[]> = {
  "in one piece": () => [],
  "byte by byte (splitting UTF-8 characters)": (bytes) => Array.from({ length: bytes.length }, (_, i) => i),
  'between every "\\r" and what follows': (bytes) => positionsAfter(bytes, 13),
  "in the middle of every line": (bytes) => {
    const cuts: number[] = [];
    let start = 0;
    bytes.forEach((b, i) => {
      if (b !== 10 && b !== 13) return;
      if (i - start > 1) cuts.push(start + Math.floor((i - start) / 2));
      start = i + 1;
    });
    return cuts;
  },
};

function positionsAfter(bytes: Uint8Array, value: number): number[] {
  const out: number[] = [];
  bytes.forEach((b, i) => {
    if (b === value && i + 1 < bytes.length) out.push(i + 1);
  });
  return out;
}

/** The bytes as a stream of network chunks, cut at the given offsets. */
export function network(bytes: Uint8Array, cuts: number[]): ReadableStream<Uint8Array> {
  const points = [0, ...[...new Set(cuts)].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b)];
  let next = 0;
  return new ReadableStream({
    pull(controller) {
      if (next >= points.length) return controller.close();
      const from = points[next] as number;
      const to = points[next + 1] ?? bytes.length;
      next += 1;
      controller.enqueue(bytes.slice(from, to));
    },
  });
}

async function drain<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}

export const encode = (text: string) => new TextEncoder().encode(text);

/** The events the SSE parser reads from the text cut at these byte offsets. */
export function events(text: string, cuts: number[] = []): Promise<SseEvent[]> {
  return drain(network(encode(text), cuts).pipeThrough(sseParser()));
}

/** The OpenAI chunks an adapter makes of a native stream cut at these byte offsets. */
export function translate(
  adapter: Pick<Adapter, "chatStream">,
  text: string,
  cuts: number[] = [],
): Promise<ChatChunk[]> {
  return drain(network(encode(text), cuts).pipeThrough(sseParser()).pipeThrough(adapter.chatStream(meta)));
}

/** A stream with LF line ends rewritten to CRLF: the same stream, as some servers send it. */
export const crlf = (text: string) => text.replace(/\r?\n/g, "\r\n");
