// Gemini (generateContent / streamGenerateContent?alt=sse, x-goog-api-key): roles user/model,
// system messages as systemInstruction, parameters in generationConfig (JSON mode as
// responseMimeType), tools as functionDeclarations, tool results as functionResponse parts
// (which need the function's name, found from the assistant's earlier call), `n` as
// candidateCount, embeddings through batchEmbedContents.
// https://ai.google.dev/api/generate-content · https://ai.google.dev/api/embeddings
import { badRequest, unsupported } from "../errors";
import {
  type ChatChunk,
  type ChatCompletion,
  type ChatMessage,
  type ChatRequest,
  type EmbeddingsResponse,
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
  type Target,
  textOnly,
  toolArguments,
  toolNamesById,
  usageChunk,
} from "./types";

/** Google's own mapping for reasoning_effort on its OpenAI-compatible endpoint. */
const thinkingBudgets: Record<string, number> = { none: 0, low: 1024, medium: 8192, high: 24576 };

const params: ParamTable = {
  ...commonParams,
  temperature: "translated", // the same 0–2 range as OpenAI
  top_p: "translated",
  top_k: "translated",
  stop: "translated",
  n: "translated", // candidateCount
  seed: "translated",
  presence_penalty: "translated",
  frequency_penalty: "translated",
  response_format: "translated",
  tool_choice: "translated",
  // Gemini may answer with several calls at once and has no switch to forbid it.
  parallel_tool_calls: onlyDefault(true),
  reasoning_effort: (v) =>
    String(v) in thinkingBudgets || `Gemini takes ${Object.keys(thinkingBudgets).join(", ")}`,
  // End-user ids for OpenAI's abuse monitoring: Gemini has no such field and never sees them.
  user: "ignored",
  safety_identifier: "ignored",
};

type Part =
  | { text: string; thought?: boolean }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { mimeType: string; fileUri: string } }
  | { functionCall: { name: string; args: unknown }; thoughtSignature?: string }
  | { functionResponse: { name: string; response: unknown } };

/**
 * Thinking models sign their function calls, and want the signature back with the call in the
 * next turn. OpenAI's tool call has no place for it but its id, which clients return verbatim:
 * the signature rides in the id after this marker (base64 never contains a colon).
 */
const SIGNATURE = ":ts:";

/** The image types Gemini reads, by file extension, for images given by URL. */
const imageTypes: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  heic: "image/heic",
  heif: "image/heif",
};

function imagePart(url: string, where: string): Part {
  const data = dataUrl(url);
  if (data) return { inlineData: data };
  const extension = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase() ?? "";
  const mimeType = imageTypes[extension];
  if (!mimeType) throw unsupported("gemini", where, "Gemini needs the image's type: send it as a data: URL");
  return { fileData: { mimeType, fileUri: url } };
}

function parts(message: ChatMessage, index: number): Part[] {
  return partsOf(message, index).flatMap(({ part, where }): Part[] => {
    if (part.type === "text") return part.text ? [{ text: String(part.text) }] : [];
    // `detail` is OpenAI's resolution hint; Gemini sizes images itself.
    if (part.type === "image_url") return [imagePart((part.image_url as { url: string }).url, where)];
    throw unsupported("gemini", where, `content part type "${part.type}"`);
  });
}

/** functionResponse.response must be a JSON object: anything else is wrapped as `result`. */
function responseObject(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value : { result: value };
  } catch {
    return { result: text };
  }
}

export function toGemini(req: ChatRequest): Record<string, unknown> {
  checkParams("gemini", req, params);
  const system: string[] = [];
  const contents: { role: "user" | "model"; parts: Part[] }[] = [];
  const toolNames = toolNamesById(req.messages);
  const push = (role: "user" | "model", p: Part[]) => {
    if (p.length === 0) return; // Gemini refuses a turn without parts; an empty one says nothing
    const last = contents[contents.length - 1];
    // Consecutive turns of one role are merged: all function responses to one model turn then
    // travel together in one user turn, as Gemini expects.
    if (last && last.role === role) last.parts.push(...p);
    else contents.push({ role, parts: p });
  };
  req.messages.forEach((m, i) => {
    if (m.role === "system" || m.role === "developer") system.push(textOnly("gemini", m, i));
    else if (m.role === "user") push("user", parts(m, i));
    else if (m.role === "assistant") {
      const calls = (m.tool_calls ?? []).map((call): Part => {
        const signature = call.id.split(SIGNATURE)[1];
        return {
          functionCall: { name: call.function.name, args: toolArguments(call, i) },
          ...(signature ? { thoughtSignature: signature } : {}),
        };
      });
      push("model", [...parts(m, i), ...calls]);
    } else {
      const name = toolNames.get(m.tool_call_id ?? "") ?? m.name;
      if (!name)
        throw badRequest(
          "a tool message must answer an earlier assistant tool call (tool_call_id)",
          `messages[${i}].tool_call_id`,
        );
      push("user", [{ functionResponse: { name, response: responseObject(textOnly("gemini", m, i)) } }]);
    }
  });
  const body: Record<string, unknown> = { contents };
  if (system.length) body.systemInstruction = { parts: [{ text: system.join("\n\n") }] };
  const generationConfig = generationConfigOf(req);
  if (Object.keys(generationConfig).length) body.generationConfig = generationConfig;
  if (req.tools?.length) {
    body.tools = [
      {
        functionDeclarations: req.tools.map((t) => ({
          name: t.function.name,
          ...(t.function.description ? { description: t.function.description } : {}),
          // OpenAI's parameters are JSON Schema; `parameters` would take only Gemini's OpenAPI
          // subset (no additionalProperties, which strict OpenAI tools always carry).
          ...(t.function.parameters ? { parametersJsonSchema: t.function.parameters } : {}),
        })),
      },
    ];
  }
  const choice = req.tool_choice;
  if (choice) {
    const mode = choice === "auto" ? "AUTO" : choice === "none" ? "NONE" : "ANY";
    body.toolConfig = {
      functionCallingConfig: {
        mode,
        ...(typeof choice === "object" ? { allowedFunctionNames: [choice.function.name] } : {}),
      },
    };
  }
  return body;
}

function generationConfigOf(req: ChatRequest): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => {
    if (value !== null && value !== undefined) config[key] = value;
  };
  set("temperature", req.temperature);
  set("topP", req.top_p);
  set("topK", req.top_k);
  set("maxOutputTokens", req.max_completion_tokens ?? req.max_tokens);
  set("stopSequences", typeof req.stop === "string" ? [req.stop] : req.stop);
  set("candidateCount", req.n);
  set("seed", req.seed);
  set("presencePenalty", req.presence_penalty);
  set("frequencyPenalty", req.frequency_penalty);
  if (req.response_format?.type === "json_object") config.responseMimeType = "application/json";
  if (req.response_format?.type === "json_schema") {
    config.responseMimeType = "application/json";
    set("responseJsonSchema", req.response_format.json_schema.schema);
  }
  if (req.reasoning_effort != null)
    config.thinkingConfig = { thinkingBudget: thinkingBudgets[req.reasoning_effort] };
  return config;
}

const finish: Record<string, FinishReason> = {
  STOP: "stop",
  MAX_TOKENS: "length",
  SAFETY: "content_filter",
  RECITATION: "content_filter",
  BLOCKLIST: "content_filter",
  PROHIBITED_CONTENT: "content_filter",
  SPII: "content_filter",
  IMAGE_SAFETY: "content_filter",
};

interface NativeCandidate {
  content?: { parts?: Part[] };
  finishReason?: string;
  index?: number;
}

interface NativeUsage {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  toolUsePromptTokenCount?: number;
  thoughtsTokenCount?: number;
}

interface NativeResponse {
  candidates?: NativeCandidate[];
  promptFeedback?: { blockReason?: string };
  usageMetadata?: NativeUsage;
  error?: { message?: string };
}

/** OpenAI counts reasoning tokens as completion tokens; Gemini reports its thoughts apart. */
const usageFrom = (u: NativeUsage | undefined) =>
  usageOf(
    (u?.promptTokenCount ?? 0) + (u?.toolUsePromptTokenCount ?? 0),
    (u?.candidatesTokenCount ?? 0) + (u?.thoughtsTokenCount ?? 0),
  );

interface Read {
  index: number;
  text: string;
  toolCalls: ToolCall[];
  /** The native finish reason, when this response carries one. */
  reason?: FinishReason;
}

/** One candidate's text and calls. A candidate that calls functions finishes with "tool_calls". */
function readCandidate(c: NativeCandidate, position: number, callId: () => string): Read {
  let text = "";
  const toolCalls: ToolCall[] = [];
  for (const p of c.content?.parts ?? []) {
    if ("text" in p && !p.thought) text += p.text;
    else if ("functionCall" in p) {
      toolCalls.push({
        id: p.thoughtSignature ? `${callId()}${SIGNATURE}${p.thoughtSignature}` : callId(),
        type: "function",
        function: { name: p.functionCall.name, arguments: JSON.stringify(p.functionCall.args ?? {}) },
      });
    }
  }
  const native = c.finishReason ? (finish[c.finishReason] ?? "stop") : undefined;
  const reason = native && toolCalls.length ? "tool_calls" : native;
  return { index: c.index ?? position, text, toolCalls, reason };
}

function readResponse(body: NativeResponse, callId: () => string): Read[] {
  const candidates = body.candidates ?? [];
  // A blocked prompt has no candidates at all, only the reason.
  if (candidates.length === 0 && body.promptFeedback?.blockReason)
    return [{ index: 0, text: "", toolCalls: [], reason: "content_filter" }];
  return candidates.map((c, position) => readCandidate(c, position, callId));
}

export function fromGemini(body: NativeResponse, meta: ChunkMeta): ChatCompletion {
  let n = 0;
  const reads = readResponse(body, () => `call_${meta.id}_${n++}`);
  return completion(
    meta,
    reads.map((r) => ({ text: r.text, toolCalls: r.toolCalls, finish: r.reason ?? "stop", index: r.index })),
    usageFrom(body.usageMetadata),
  );
}

export function geminiStream(meta: ChunkMeta): TransformStream<{ data: string }, ChatChunk> {
  let n = 0;
  let usage: NativeUsage | undefined;
  /** Per candidate (choice) index: tool calls sent so far, and the finish reason once known. */
  const choices = new Map<number, { tools: number; reason?: FinishReason }>();
  return new TransformStream({
    transform(sse, controller) {
      const body = JSON.parse(sse.data) as NativeResponse;
      if (body.error) throw new Error(body.error.message ?? "gemini stream error");
      for (const r of readResponse(body, () => `call_${meta.id}_${n++}`)) {
        let choice = choices.get(r.index);
        if (!choice) {
          choice = { tools: 0 };
          choices.set(r.index, choice);
          controller.enqueue(chunk(meta, { role: "assistant", content: "" }, null, r.index));
        }
        if (r.text) controller.enqueue(chunk(meta, { content: r.text }, null, r.index));
        for (const call of r.toolCalls) {
          const delta = {
            index: choice.tools++,
            id: call.id,
            type: "function" as const,
            function: call.function,
          };
          controller.enqueue(chunk(meta, { tool_calls: [delta] }, null, r.index));
        }
        if (r.reason) choice.reason = choice.tools > 0 ? "tool_calls" : r.reason;
      }
      // Every event repeats the running usage; the last one is the total.
      if (body.usageMetadata) usage = body.usageMetadata;
    },
    flush(controller) {
      // Gemini's last event carries the finish reason: a stream without one was cut.
      const finished = [...choices].filter(([, c]) => c.reason);
      if (finished.length === 0) throw new Error("the stream ended before a finish reason");
      for (const [index, c] of finished.sort(([a], [b]) => a - b))
        controller.enqueue(chunk(meta, {}, c.reason, index));
      controller.enqueue(usageChunk(meta, usageFrom(usage)));
    },
  });
}

const base = (target: Target) =>
  `${target.provider.baseUrl ?? "https://generativelanguage.googleapis.com"}/v1beta/models/${encodeURIComponent(target.model)}`;
const headers = (target: Target) => ({
  ...target.provider.headers,
  ...(target.apiKey ? { "x-goog-api-key": target.apiKey } : {}),
});

export const gemini: Adapter = {
  chatRequest(req, target) {
    const url = req.stream
      ? `${base(target)}:streamGenerateContent?alt=sse`
      : `${base(target)}:generateContent`;
    return jsonRequest(url, headers(target), toGemini(req));
  },
  chatResponse: (body, meta) => fromGemini(body as NativeResponse, meta),
  chatStream: geminiStream,
  embeddingsRequest(req, target) {
    if (req.encoding_format === "base64") throw unsupported("gemini", "encoding_format");
    const inputs = typeof req.input === "string" ? [req.input] : req.input;
    return jsonRequest(`${base(target)}:batchEmbedContents`, headers(target), {
      requests: inputs.map((text) => ({
        model: `models/${target.model}`,
        content: { parts: [{ text }] },
        ...(req.dimensions ? { outputDimensionality: req.dimensions } : {}),
      })),
    });
  },
  embeddingsResponse(body, model): EmbeddingsResponse {
    const embeddings = (body as { embeddings?: { values: number[] }[] }).embeddings ?? [];
    return {
      object: "list",
      data: embeddings.map((e, index) => ({ object: "embedding", index, embedding: e.values })),
      model,
      // Gemini does not report embedding token counts.
      usage: { prompt_tokens: 0, total_tokens: 0 },
    };
  },
  errorMessage: nestedErrorMessage,
};
