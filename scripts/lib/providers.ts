// Fake AI providers for the demo and the tests: real HTTP servers on 127.0.0.1 speaking the
// native wire formats of OpenAI, Anthropic and Gemini (JSON answers, event streams, error
// bodies), answering "You said: <last user message>", calling the first tool when tools are
// given, and misbehaving on demand. A control API creates them and injects faults:
//   POST /providers {id, kind}   POST /providers/:id/mode {mode}   POST /providers/:id/stop|start
//   GET /providers/:id/last      (the last request received: method, url, headers, body)
// Modes: ok | status:500 | status:429:<retry-after s> | delay:<ms> | break-stream | stall-stream
// (the first events, then silence with the connection open) | echo-key:<status> (an error that
// quotes the key it was sent, whole, masked and as its code) | echo-key-stream (a stream whose
// error event quotes the key) | redirect:<url> (307 to that URL); a body that is not JSON, or a
// mode that does not exist, answers 400 saying what would work.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { notJson, readJsonBody, replyJson, unknownMode } from "./control.ts";

export type ProviderKind = "openai" | "anthropic" | "gemini";

/** The modes a fake provider takes, as the control API's 400 lists them. */
export const PROVIDER_MODES = [
  "ok",
  "status:<code> (e.g. status:500)",
  "status:429:<retry-after seconds>",
  "delay:<ms>",
  "break-stream",
  "stall-stream",
  "echo-key:<status>",
  "echo-key-stream",
  "redirect:<url>",
  "no-usage (answers without usage)",
  "cached-usage (half the prompt reported as cached)",
] as const;

export function isProviderMode(mode: string): boolean {
  return /^(ok|no-usage|cached-usage|break-stream|stall-stream|echo-key-stream|echo-key:[1-5]\d\d|redirect:https?:\/\/\S+|delay:\d+|status:[1-5]\d\d(:\d+)?)$/.test(
    mode,
  );
}

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

interface Message {
  role: string;
  content?: unknown;
  parts?: { text?: string; functionResponse?: unknown }[];
}

const words = (text: string) => Math.max(1, text.split(/\s+/).filter(Boolean).length);

function lastUserText(messages: Message[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as Message;
    if (m.role !== "user") continue;
    if (typeof m.content === "string") return m.content;
    if (Array.isArray(m.content)) {
      const parts = m.content as { type?: string; text?: string; content?: string }[];
      const text = parts
        .map((p) => p.text ?? (p.type === "tool_result" ? `tool said: ${p.content}` : ""))
        .join("");
      if (text) return text;
    }
    if (m.parts) {
      const text = m.parts
        .map((p) => p.text ?? (p.functionResponse ? `tool said: ${JSON.stringify(p.functionResponse)}` : ""))
        .join("");
      if (text) return text;
    }
  }
  return "";
}

export class FakeProvider {
  mode = "ok";
  last?: Seen;
  port = 0;
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly id: string,
    readonly kind: ProviderKind,
  ) {}

  async start(port = this.port): Promise<number> {
    if (this.server) return this.port;
    const server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
    server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this.port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const read = await readJsonBody(req);
    // A real provider answers a body that is not JSON with its own 400; so does the fake.
    if (!read.ok) return this.error(res, 400);
    const body = read.body;
    this.last = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
    const [mode, arg, arg2] = this.mode.split(":");
    if (mode === "delay") await new Promise((r) => setTimeout(r, Number(arg)));
    if (mode === "status") return this.error(res, Number(arg), arg2);
    if (mode === "redirect") {
      res.writeHead(307, { location: this.mode.slice("redirect:".length) });
      res.end();
      return;
    }
    if (mode === "echo-key") return this.echoKey(res, Number(arg), keyOf(req));
    if (!this.authorised(req)) return this.error(res, 401);
    const url = new URL(req.url ?? "/", "http://fake");
    if (this.kind === "openai") return this.openai(url.pathname, body, res, keyOf(req));
    if (this.kind === "anthropic") return this.anthropic(body, res);
    return this.gemini(url.pathname, body, res);
  }

  private authorised(req: IncomingMessage): boolean {
    if (this.kind === "openai")
      return /^Bearer \S+/.test(req.headers.authorization ?? "") || "api-key" in req.headers;
    if (this.kind === "anthropic")
      return Boolean(req.headers["x-api-key"] && req.headers["anthropic-version"]);
    return Boolean(req.headers["x-goog-api-key"]);
  }

  private error(res: ServerResponse, status: number, retryAfter?: string): void {
    res.writeHead(status, {
      "content-type": "application/json",
      ...(retryAfter ? { "retry-after": retryAfter } : {}),
    });
    res.end(JSON.stringify(errorBody(this.kind, status)));
  }

  /** An error that quotes the key it was sent: whole, masked as OpenAI does, and as its code. */
  private echoKey(res: ServerResponse, status: number, key: string): void {
    const masked = `${key.slice(0, 6)}***${key.slice(-4)}`;
    res.writeHead(status, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        error: {
          message: `Incorrect API key provided: ${key} (${masked}).`,
          type: "invalid_request_error",
          param: null,
          code: key,
        },
      }),
    );
  }

  private sse(res: ServerResponse, events: string[], key = ""): void {
    res.writeHead(200, { "content-type": "text/event-stream" });
    for (const [i, e] of events.entries()) {
      res.write(e);
      if (i !== 1) continue;
      if (this.mode === "break-stream") {
        // Let the first events reach the gateway, then drop the connection mid-answer.
        setTimeout(() => res.socket?.destroy(), 50);
        return;
      }
      // The first events, then nothing more: the connection stays open until the client leaves.
      if (this.mode === "stall-stream") return;
      if (this.mode === "echo-key-stream") {
        res.end(`data: ${JSON.stringify({ error: { message: `key ${key} was refused mid-stream` } })}\n\n`);
        return;
      }
    }
    res.end();
  }

  private openai(path: string, body: Record<string, unknown>, res: ServerResponse, key: string): void {
    if (path.endsWith("/embeddings")) {
      const inputs = typeof body.input === "string" ? [body.input] : (body.input as string[]);
      // As OpenAI does: base64 of little-endian float32 when asked (the SDKs' default), else floats.
      const encode = (v: number[]) =>
        body.encoding_format === "base64" ? Buffer.from(new Float32Array(v).buffer).toString("base64") : v;
      const data = inputs.map((text, index) => ({
        object: "embedding",
        index,
        embedding: encode(vector(text)),
      }));
      json(res, {
        object: "list",
        data,
        model: body.model,
        usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
      });
      return;
    }
    const messages = (body.messages as Message[]) ?? [];
    const lastMessage = messages[messages.length - 1];
    const text =
      lastMessage?.role === "tool"
        ? `[openai] tool said: ${String(lastMessage.content)}`
        : `[openai] You said: ${lastUserText(messages)}`;
    const tools = body.tools as { function: { name: string } }[] | undefined;
    const lastRole = messages[messages.length - 1]?.role;
    const call = tools?.length && lastRole !== "tool" ? tools[0]?.function.name : undefined;
    const usage = {
      prompt_tokens: words(JSON.stringify(messages)),
      completion_tokens: words(text),
      total_tokens: 0,
    };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    const reported =
      this.mode === "no-usage"
        ? undefined
        : this.mode === "cached-usage"
          ? { ...usage, prompt_tokens_details: { cached_tokens: Math.floor(usage.prompt_tokens / 2) } }
          : usage;
    const base = {
      id: "chatcmpl-fake",
      created: 1700000000,
      model: body.model,
      system_fingerprint: "fp_fake",
    };
    const args = JSON.stringify({ query: lastUserText(messages) });
    if (!body.stream) {
      const message = call
        ? {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "call_1", type: "function", function: { name: call, arguments: args } }],
          }
        : { role: "assistant", content: text };
      json(res, {
        ...base,
        object: "chat.completion",
        choices: [{ index: 0, message, logprobs: null, finish_reason: call ? "tool_calls" : "stop" }],
        ...(reported ? { usage: reported } : {}),
      });
      return;
    }
    // With include_usage, every chunk carries `usage: null` and one last chunk the totals.
    const options = body.stream_options as { include_usage?: boolean } | undefined;
    const withUsage = options?.include_usage ? { usage: null } : {};
    const ev = (delta: unknown, finish: string | null = null) =>
      `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...withUsage })}\n\n`;
    const events = [ev({ role: "assistant", content: "" })];
    if (call) {
      events.push(
        ev({
          tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: call, arguments: "" } }],
        }),
      );
      events.push(ev({ tool_calls: [{ index: 0, function: { arguments: args } }] }));
      events.push(ev({}, "tool_calls"));
    } else {
      for (const piece of text.match(/.{1,8}/g) ?? []) events.push(ev({ content: piece }));
      events.push(ev({}, "stop"));
    }
    if (options?.include_usage && reported)
      events.push(
        `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [], usage: reported })}\n\n`,
      );
    events.push("data: [DONE]\n\n");
    this.sse(res, events, key);
  }

  private anthropic(body: Record<string, unknown>, res: ServerResponse): void {
    const messages = (body.messages as Message[]) ?? [];
    const text = `[anthropic] You said: ${lastUserText(messages)}`;
    const tools = body.tools as { name: string }[] | undefined;
    const last = messages[messages.length - 1];
    const answeringTool =
      Array.isArray(last?.content) &&
      (last.content as { type: string }[]).some((b) => b.type === "tool_result");
    const call = tools?.length && !answeringTool ? tools[0]?.name : undefined;
    const input = { query: lastUserText(messages) };
    const usage = { input_tokens: words(JSON.stringify(messages)), output_tokens: words(text) };
    if (!body.stream) {
      const content = call
        ? [{ type: "tool_use", id: "toolu_1", name: call, input }]
        : [{ type: "text", text }];
      json(res, {
        id: "msg_fake",
        type: "message",
        role: "assistant",
        model: body.model,
        content,
        stop_reason: call ? "tool_use" : "end_turn",
        stop_sequence: null,
        usage,
      });
      return;
    }
    const ev = (type: string, data: Record<string, unknown>) =>
      `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    const events = [
      ev("message_start", {
        message: {
          id: "msg_fake",
          type: "message",
          role: "assistant",
          content: [],
          model: body.model,
          stop_reason: null,
          usage: { input_tokens: usage.input_tokens, output_tokens: 1 },
        },
      }),
    ];
    if (call) {
      events.push(
        ev("content_block_start", {
          index: 0,
          content_block: { type: "tool_use", id: "toolu_1", name: call, input: {} },
        }),
      );
      events.push(ev("ping", {}));
      const args = JSON.stringify(input);
      events.push(
        ev("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: "" } }),
      );
      events.push(
        ev("content_block_delta", {
          index: 0,
          delta: { type: "input_json_delta", partial_json: args.slice(0, 5) },
        }),
      );
      events.push(
        ev("content_block_delta", {
          index: 0,
          delta: { type: "input_json_delta", partial_json: args.slice(5) },
        }),
      );
    } else {
      events.push(ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }));
      events.push(ev("ping", {}));
      for (const piece of text.match(/.{1,8}/g) ?? [])
        events.push(ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: piece } }));
    }
    events.push(ev("content_block_stop", { index: 0 }));
    events.push(
      ev("message_delta", {
        delta: { stop_reason: call ? "tool_use" : "end_turn", stop_sequence: null },
        usage: { output_tokens: usage.output_tokens },
      }),
    );
    events.push(ev("message_stop", {}));
    this.sse(res, events);
  }

  private gemini(path: string, body: Record<string, unknown>, res: ServerResponse): void {
    if (path.endsWith(":batchEmbedContents")) {
      const requests = body.requests as { content: { parts: { text: string }[] } }[];
      json(res, {
        embeddings: requests.map((r) => ({ values: vector(r.content.parts.map((p) => p.text).join("")) })),
      });
      return;
    }
    const contents = (body.contents as Message[]) ?? [];
    const text = `[gemini] You said: ${lastUserText(contents)}`;
    const tools = body.tools as { functionDeclarations: { name: string }[] }[] | undefined;
    const last = contents[contents.length - 1];
    const answeringTool = last?.parts?.some((p) => p.functionResponse);
    const call =
      tools?.[0]?.functionDeclarations[0]?.name && !answeringTool
        ? tools[0].functionDeclarations[0].name
        : undefined;
    const usageMetadata = {
      promptTokenCount: words(JSON.stringify(contents)),
      candidatesTokenCount: words(text),
      totalTokenCount: 0,
    };
    usageMetadata.totalTokenCount = usageMetadata.promptTokenCount + usageMetadata.candidatesTokenCount;
    const parts = call
      ? [{ functionCall: { name: call, args: { query: lastUserText(contents) } } }]
      : [{ text }];
    const answer = { modelVersion: "fake", responseId: "fake-response" };
    if (path.endsWith(":generateContent")) {
      json(res, {
        candidates: [{ content: { role: "model", parts }, finishReason: "STOP", index: 0 }],
        usageMetadata,
        ...answer,
      });
      return;
    }
    // Like Gemini: events end in CRLF pairs, each repeats the running usage, the last one has
    // the finish reason.
    const ev = (eventParts: unknown[], done: boolean, candidates: number) =>
      `data: ${JSON.stringify({
        candidates: [
          {
            content: { role: "model", parts: eventParts },
            ...(done ? { finishReason: "STOP" } : {}),
            index: 0,
          },
        ],
        usageMetadata: {
          promptTokenCount: usageMetadata.promptTokenCount,
          candidatesTokenCount: candidates,
          totalTokenCount: usageMetadata.promptTokenCount + candidates,
        },
        ...answer,
      })}\r\n\r\n`;
    const pieces = call ? [parts] : (text.match(/.{1,8}/g) ?? []).map((piece) => [{ text: piece }]);
    const events = pieces.map((p, i) =>
      ev(p, i === pieces.length - 1, i === pieces.length - 1 ? usageMetadata.candidatesTokenCount : i + 1),
    );
    this.sse(res, events);
  }
}

/** The key a request carried, in whichever header its provider takes it. */
function keyOf(req: IncomingMessage): string {
  const auth = req.headers.authorization ?? "";
  const header = (name: string) => {
    const value = req.headers[name];
    return typeof value === "string" ? value : "";
  };
  return auth.replace(/^Bearer /, "") || header("x-api-key") || header("x-goog-api-key") || header("api-key");
}

/** An error body in the provider's own shape (test/fixtures/ai/<provider>/error*.json). */
function errorBody(kind: ProviderKind, status: number): unknown {
  const message =
    status === 401 ? "invalid api key" : status === 429 ? "rate limited" : `fake ${kind} error ${status}`;
  if (kind === "anthropic") {
    const types: Record<number, string> = {
      400: "invalid_request_error",
      401: "authentication_error",
      403: "permission_error",
      404: "not_found_error",
      413: "request_too_large",
      429: "rate_limit_error",
      529: "overloaded_error",
    };
    return { type: "error", error: { type: types[status] ?? "api_error", message }, request_id: "req_fake" };
  }
  if (kind === "gemini") {
    const statuses: Record<number, string> = {
      400: "INVALID_ARGUMENT",
      401: "UNAUTHENTICATED",
      403: "PERMISSION_DENIED",
      404: "NOT_FOUND",
      429: "RESOURCE_EXHAUSTED",
      503: "UNAVAILABLE",
      504: "DEADLINE_EXCEEDED",
    };
    return { error: { code: status, message, status: statuses[status] ?? "INTERNAL" } };
  }
  const openai: Record<number, { type: string; code: string | null }> = {
    401: { type: "invalid_request_error", code: "invalid_api_key" },
    429: { type: "requests", code: "rate_limit_exceeded" },
  };
  const { type, code } = openai[status] ?? {
    type: status >= 500 ? "server_error" : "invalid_request_error",
    code: null,
  };
  return { error: { message, type, param: null, code } };
}

function json(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

/** A small deterministic embedding, so tests can compare vectors. */
function vector(text: string): number[] {
  const out = new Array(8).fill(0) as number[];
  for (let i = 0; i < text.length; i++) out[i % 8] = ((out[i % 8] as number) + text.charCodeAt(i) / 1000) % 1;
  return out;
}

export class ProviderFarm {
  readonly providers = new Map<string, FakeProvider>();
  private control?: Server;

  async add(id: string, kind: ProviderKind, port = 0): Promise<FakeProvider> {
    let p = this.providers.get(id);
    if (!p) {
      p = new FakeProvider(id, kind);
      this.providers.set(id, p);
    }
    await p.start(port || p.port);
    return p;
  }

  async listen(port = 0): Promise<number> {
    const server = createServer((req, res) => {
      this.control_(req, res).catch((error: unknown) => replyJson(res, 500, { error: String(error) }));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.control = server;
    return (server.address() as AddressInfo).port;
  }

  private async control_(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, value: unknown) => replyJson(res, status, value);
    const read = await readJsonBody(req);
    if (!read.ok) return reply(400, { error: notJson(read.text, '{"mode":"status:500"}') });
    const body = read.body;
    const parts = (req.url ?? "/").split("/").filter(Boolean);
    if (parts[0] !== "providers") return reply(404, { error: "unknown" });
    if (parts.length === 1 && req.method === "POST") {
      if (typeof body.id !== "string") return reply(400, { error: 'the body needs an "id"' });
      const kind = body.kind ?? "openai";
      if (kind !== "openai" && kind !== "anthropic" && kind !== "gemini")
        return reply(400, { error: 'kind is one of "openai", "anthropic", "gemini"' });
      const p = await this.add(body.id, kind);
      return reply(200, { id: p.id, kind: p.kind, port: p.port });
    }
    const p = this.providers.get(parts[1] ?? "");
    if (!p) return reply(404, { error: "no such provider" });
    if (parts[2] === "mode") {
      const mode = typeof body.mode === "string" ? body.mode : "ok";
      if (!isProviderMode(mode)) return reply(400, { error: unknownMode(body.mode, PROVIDER_MODES) });
      p.mode = mode;
    } else if (parts[2] === "stop") await p.stop();
    else if (parts[2] === "start") await p.start();
    else if (parts[2] === "last") return reply(200, p.last ?? null);
    return reply(200, { id: p.id, kind: p.kind, port: p.port, mode: p.mode });
  }

  async close(): Promise<void> {
    await Promise.all([...this.providers.values()].map((p) => p.stop()));
    await new Promise<void>((resolve) => (this.control ? this.control.close(() => resolve()) : resolve()));
  }
}

/** `npm start`: the demo's fake providers and their control API, on the ports it was given. */
export async function startDemoProviders(
  providers: readonly { id: string; kind: ProviderKind; port: number }[],
  controlPort: number,
): Promise<ProviderFarm> {
  const farm = new ProviderFarm();
  try {
    for (const p of providers) await farm.add(p.id, p.kind, p.port);
    await farm.listen(controlPort);
  } catch (error) {
    await farm.close();
    throw error;
  }
  return farm;
}
