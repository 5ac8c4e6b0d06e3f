// Gemini (generateContent / streamGenerateContent?alt=sse, x-goog-api-key): roles user/model,
// system messages as systemInstruction, parameters in generationConfig (JSON mode as
// responseMimeType), tools as functionDeclarations, tool results as functionResponse parts
// (which need the function's name, found from the assistant's earlier call), embeddings through
// batchEmbedContents.
import { badRequest, unsupported } from "../errors";
import {
  type ChatCompletion,
  type ChatMessage,
  type ChatRequest,
  type EmbeddingsResponse,
  type FinishReason,
  type ToolCall,
  textOf,
  usageOf,
} from "../openai-types";
import {
  type Adapter,
  type ChunkMeta,
  chunk,
  dataUrl,
  jsonRequest,
  nestedErrorMessage,
  type Target,
} from "./types";

type Part =
  | { text: string }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { mimeType: string; fileUri: string } }
  | { functionCall: { name: string; args: unknown } }
  | { functionResponse: { name: string; response: unknown } };

function parts(content: ChatMessage["content"]): Part[] {
  if (typeof content === "string") return content ? [{ text: content }] : [];
  const out: Part[] = [];
  for (const part of content ?? []) {
    if (part.type === "text") out.push({ text: (part as { text: string }).text });
    else if (part.type === "image_url") {
      const url = (part as { image_url: { url: string } }).image_url.url;
      const data = dataUrl(url);
      if (data) out.push({ inlineData: data });
      else out.push({ fileData: { mimeType: "image/*", fileUri: url } });
    } else throw unsupported("gemini", `content part type "${part.type}"`);
  }
  return out;
}

function jsonOrText(text: string): unknown {
  try {
    const value = JSON.parse(text);
    return typeof value === "object" && value !== null ? value : { result: value };
  } catch {
    return { result: text };
  }
}

export function toGemini(req: ChatRequest): Record<string, unknown> {
  if (req.n && req.n > 1) throw unsupported("gemini", "n");
  const system: string[] = [];
  const contents: { role: "user" | "model"; parts: Part[] }[] = [];
  const toolNames = new Map<string, string>();
  const push = (role: "user" | "model", p: Part[]) => {
    const last = contents[contents.length - 1];
    if (last && last.role === role) last.parts.push(...p);
    else contents.push({ role, parts: p });
  };
  for (const m of req.messages) {
    if (m.role === "system" || m.role === "developer") system.push(textOf(m.content));
    else if (m.role === "user") push("user", parts(m.content));
    else if (m.role === "assistant") {
      const p = parts(m.content);
      for (const call of m.tool_calls ?? []) {
        toolNames.set(call.id, call.function.name);
        let args: unknown;
        try {
          args = JSON.parse(call.function.arguments || "{}");
        } catch {
          throw badRequest(`tool call ${call.id} has arguments that are not JSON`, "messages");
        }
        p.push({ functionCall: { name: call.function.name, args } });
      }
      push("model", p);
    } else if (m.role === "tool") {
      const name = toolNames.get(m.tool_call_id ?? "") ?? m.name;
      if (!name) throw badRequest("a tool message must answer an earlier assistant tool call", "messages");
      push("user", [{ functionResponse: { name, response: jsonOrText(textOf(m.content)) } }]);
    }
  }
  const generationConfig: Record<string, unknown> = {};
  if (req.temperature != null) generationConfig.temperature = req.temperature;
  if (req.top_p != null) generationConfig.topP = req.top_p;
  const max = req.max_completion_tokens ?? req.max_tokens;
  if (max != null) generationConfig.maxOutputTokens = max;
  if (req.stop != null) generationConfig.stopSequences = typeof req.stop === "string" ? [req.stop] : req.stop;
  if (req.response_format?.type === "json_object") generationConfig.responseMimeType = "application/json";
  if (req.response_format?.type === "json_schema") {
    generationConfig.responseMimeType = "application/json";
    if (req.response_format.json_schema.schema)
      generationConfig.responseJsonSchema = req.response_format.json_schema.schema;
  }
  const body: Record<string, unknown> = { contents };
  if (system.length) body.systemInstruction = { parts: [{ text: system.join("\n\n") }] };
  if (Object.keys(generationConfig).length) body.generationConfig = generationConfig;
  if (req.tools?.length) {
    body.tools = [
      {
        functionDeclarations: req.tools.map((t) => ({
          name: t.function.name,
          description: t.function.description,
          parameters: t.function.parameters,
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

const finish: Record<string, FinishReason> = {
  STOP: "stop",
  MAX_TOKENS: "length",
  SAFETY: "content_filter",
  RECITATION: "content_filter",
  BLOCKLIST: "content_filter",
  PROHIBITED_CONTENT: "content_filter",
  SPII: "content_filter",
};

interface NativeResponse {
  candidates?: { content?: { parts?: Part[] }; finishReason?: string }[];
  usageMetadata?: { promptTokenCount?: number; candidatesTokenCount?: number };
}

function read(body: NativeResponse, callIds: () => string) {
  const candidate = body.candidates?.[0];
  let text = "";
  const toolCalls: ToolCall[] = [];
  for (const p of candidate?.content?.parts ?? []) {
    if ("text" in p) text += p.text;
    else if ("functionCall" in p) {
      toolCalls.push({
        id: callIds(),
        type: "function",
        function: { name: p.functionCall.name, arguments: JSON.stringify(p.functionCall.args ?? {}) },
      });
    }
  }
  const reason: FinishReason | null = candidate?.finishReason
    ? toolCalls.length
      ? "tool_calls"
      : (finish[candidate.finishReason] ?? "stop")
    : null;
  return { text, toolCalls, reason, usage: body.usageMetadata };
}

export function fromGemini(body: NativeResponse, meta: ChunkMeta): ChatCompletion {
  let n = 0;
  const { text, toolCalls, reason, usage } = read(body, () => `call_${meta.id}_${n++}`);
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
        finish_reason: reason ?? "stop",
      },
    ],
    usage: usageOf(usage?.promptTokenCount ?? 0, usage?.candidatesTokenCount ?? 0),
  };
}

export function geminiStream(meta: ChunkMeta): TransformStream<{ data: string }, ReturnType<typeof chunk>> {
  let n = 0;
  let started = false;
  let toolIndex = 0;
  let usage: NativeResponse["usageMetadata"];
  let reason: FinishReason | null = null;
  return new TransformStream({
    transform(sse, controller) {
      const body = JSON.parse(sse.data) as NativeResponse & { error?: { message?: string } };
      if (body.error) throw new Error(body.error.message ?? "gemini stream error");
      if (!started) {
        started = true;
        controller.enqueue(chunk(meta, { role: "assistant", content: "" }));
      }
      const r = read(body, () => `call_${meta.id}_${n++}`);
      if (r.text) controller.enqueue(chunk(meta, { content: r.text }));
      for (const call of r.toolCalls) {
        controller.enqueue(
          chunk(meta, {
            tool_calls: [{ index: toolIndex++, id: call.id, type: "function", function: call.function }],
          }),
        );
      }
      if (r.usage) usage = r.usage;
      if (r.reason) reason = toolIndex > 0 ? "tool_calls" : r.reason;
    },
    flush(controller) {
      // Gemini's last event carries the finish reason: without it the answer was cut.
      if (!reason) throw new Error("the stream ended before a finish reason");
      controller.enqueue(chunk(meta, {}, reason));
      controller.enqueue({
        ...chunk(meta, {}),
        choices: [],
        usage: usageOf(usage?.promptTokenCount ?? 0, usage?.candidatesTokenCount ?? 0),
      });
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
