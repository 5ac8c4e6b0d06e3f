// The OpenAI-compatible API on `ai = true` routes, under the route's prefix:
// POST /chat/completions (streaming or not), POST /embeddings, GET /models.
// Answers may come from the AI answer cache (src/cache/ai.ts): looked up once the model is known
// to exist, before any provider state is prepared, and stored once a whole answer has arrived.
import type { Context } from "hono";
import type { ZodType } from "zod";
import { type AnswerCache, answerCache, cachedAnswerHeaders, withCacheStatus } from "../cache/ai";
import type { AiKind } from "../cache/ai-policy";
import { completionChunks, recordStream } from "../cache/ai-stream";
import type { Gateway, Route } from "../config/normalize";
import { type AuthFailure, type Consumer, modelAllowed } from "../consumers/consumer";
import { aiRefusal } from "../consumers/refusal";
import type { AppEnv } from "../env";
import { GatewayError } from "../errors";
import type { PipelineDeps } from "../gateway";
import { limitDeps } from "../gateway";
import { withHeaders } from "../limits/headers";
import { aiLimitRefusal } from "../limits/refusal";
import { tokensOfText } from "../limits/spend";
import { type AiAsk, type AiLimited, admitAi, type Settle } from "../limits/stage";
import { headerBytes, headersTooLargeMessage } from "../middleware/request-limits";
import { readRequestBody } from "../proxy/body";
import { dispatch } from "./dispatch";
import { encodeEmbeddings } from "./embedding-format";
import { AiError, badRequest } from "./errors";
import { estimateTokens, orderTargets, type ResolvedTarget, resolveTargets } from "./models";
import {
  type ChatChunk,
  type ChatCompletion,
  chatRequestSchema,
  type EmbeddingsResponse,
  embeddingsRequestSchema,
} from "./openai-types";
import { firstChunk, openAiEventStream, type Streamed, type StreamUsage } from "./stream";

export async function handleAi(
  c: Context<AppEnv>,
  gateway: Gateway,
  route: Route,
  deps: PipelineDeps,
  /** The request's canonical path (routing/path.ts). */
  canonical: string,
  /** The admit stage refused the request (no key, a bad token, an address denied…). */
  refused?: AuthFailure,
): Promise<Response> {
  const requestId = c.get("requestId");
  try {
    if (refused) throw aiRefusal(refused);
    if (headerBytes(c.req.raw.headers) > gateway.limits.maxHeaderBytes)
      throw new AiError(
        431,
        headersTooLargeMessage(gateway.limits.maxHeaderBytes),
        "invalid_request_error",
        "headers_too_large",
      );
    const prefix = route.path.slice(0, -2);
    const path = canonical.slice(prefix.length) || "/";
    const method = c.req.method;
    if (path === "/models" && method === "GET") return models(gateway, c.get("consumer"));
    if (path === "/chat/completions" && method === "POST") return await chat(c, gateway, route, deps);
    if (path === "/embeddings" && method === "POST") return await embeddings(c, gateway, route, deps);
    throw new AiError(
      404,
      `${method} ${prefix}${path} is not part of this API`,
      "invalid_request_error",
      "unknown_url",
    );
  } catch (error) {
    if (error instanceof AiError) {
      // Refused before any provider was tried: the route's debug headers, no attempt.
      const response = error.toResponse(requestId);
      if (gateway.debugHeaders) {
        response.headers.set("x-aya-route", String(route.index));
        response.headers.set("x-aya-attempts", "0");
      }
      return response;
    }
    console.error(JSON.stringify({ requestId, error: String(error) }));
    return new AiError(500, "the gateway could not complete the request", "server_error").toResponse(
      requestId,
    );
  }
}

/**
 * JSON nested deeper than this is refused: no OpenAI request needs it (a tool's parameter schema
 * is a few levels deep), and every step that walks a request recursively (validation, the cache
 * key, the provider request's serialisation) would otherwise be one stack overflow away.
 */
export const MAX_JSON_DEPTH = 64;

/** AI request bodies are read whole (to translate them): capped by both body limits. */
const aiBodyLimit = (gateway: Gateway) =>
  Math.min(gateway.limits.maxBodyBytes, gateway.limits.maxAiBodyBytes);

async function body<T>(c: Context<AppEnv>, schema: ZodType<T>, limit: number): Promise<T> {
  let raw: unknown;
  try {
    // Capped as it is read, so a chunked body without Content-Length cannot grow past the limit.
    const read = await readRequestBody(c.req.raw, { maxBodyBytes: limit, retryBodyBytes: limit });
    raw = JSON.parse(read.kind === "buffered" ? new TextDecoder().decode(read.bytes) : "");
  } catch (error) {
    if (error instanceof GatewayError && error.code === "payload_too_large")
      throw new AiError(413, error.message, "invalid_request_error", "payload_too_large");
    throw badRequest("the request body must be JSON");
  }
  if (nestedDeeperThan(raw, MAX_JSON_DEPTH))
    throw badRequest(`the request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue?.path.join(".") || null;
    throw badRequest(`${param ?? "body"}: ${issue?.message ?? "invalid"}`, param);
  }
  return parsed.data;
}

/** Whether any value inside is more than `max` arrays or objects deep (walked without recursion). */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [v, depth] = item;
    if (v === null || typeof v !== "object") continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** The aliases and provider/model pairs, those the consumer may use when it is limited to some. */
function models(gateway: Gateway, consumer?: Consumer): Response {
  const data: { id: string; object: "model"; created: number; owned_by: string }[] = [];
  for (const alias of gateway.models.keys())
    data.push({ id: alias, object: "model", created: 0, owned_by: "aya" });
  const seen = new Set<string>();
  for (const m of gateway.models.values()) {
    for (const t of m.targets) {
      const id = `${t.provider}/${t.model}`;
      if (seen.has(id)) continue;
      seen.add(id);
      data.push({ id, object: "model", created: 0, owned_by: t.provider });
    }
  }
  return Response.json({ object: "list", data: data.filter((m) => modelAllowed(consumer?.models, m.id)) });
}

async function prepared(
  c: Context<AppEnv>,
  gateway: Gateway,
  deps: PipelineDeps,
  model: string,
  resolved: ReturnType<typeof resolveTargets>,
  req: Parameters<typeof orderTargets>[3],
) {
  await deps.prepare(
    c,
    resolved.targets.map((t) => t.backend),
  );
  return orderTargets(gateway, model, resolved, req, deps.state, deps.clock.now(), deps.clock.random);
}

async function chat(
  c: Context<AppEnv>,
  gateway: Gateway,
  route: Route,
  deps: PipelineDeps,
): Promise<Response> {
  const req = await body(c, chatRequestSchema, aiBodyLimit(gateway));
  const stream = req.stream === true;
  const includeUsage = req.stream_options?.include_usage === true;
  allowModel(c, req.model);
  const resolved = resolveTargets(gateway, req.model);
  const promptTokens = estimateTokens(req);
  const limits = await limitsFor(c, gateway, route, deps, {
    model: req.model,
    promptTokens,
    maxTokens: req.max_completion_tokens ?? req.max_tokens,
    n: req.n,
    targets: resolved.targets,
    embeddings: false,
  });
  // A plan's cap on output, sent to the provider when the client asked for none.
  const asked = limits.maxTokens ? { ...req, max_tokens: limits.maxTokens } : req;
  const cache = cacheFor(c, gateway, route, deps, "chat", req, req.temperature);
  const hit = await cache.lookup();
  c.get("record")?.cached(hit ? "HIT" : cache.status);
  if (hit) {
    limits.settle();
    const headers = cachedAnswerHeaders(hit, c.get("requestId"), {
      on: gateway.debugHeaders,
      route: route.index,
    });
    const completion: ChatCompletion = {
      ...(hit.body as ChatCompletion),
      id: `chatcmpl-${c.get("requestId")}`,
      created: Math.floor(deps.clock.now() / 1000),
    };
    return withHeaders(
      stream ? replayStream(completion, includeUsage, headers) : jsonAnswer(completion, headers),
      limits.headers(),
    );
  }
  const targets = await prepared(c, gateway, deps, req.model, resolved, req);
  const response = await settledOnFailure(limits, () =>
    dispatch({
      ...requestScope(c, gateway, route, deps),
      targets,
      build: (adapter, target) => {
        // Ask for usage where the server takes the option, so it is counted even when the client
        // did not ask (the other adapters report usage on every stream anyway).
        const native =
          stream && adapter.addsStreamUsage
            ? { ...asked, stream_options: { ...asked.stream_options, include_usage: true } }
            : asked;
        return adapter.chatRequest(native, target);
      },
      async answer({ upstream, adapter, target, meta, headers, done, idle, redact }) {
        const from = { provider: target.provider.name, model: target.model };
        const spend = spending(target, promptTokens, limits.settle);
        if (!stream) {
          const completion: ChatCompletion = adapter.chatResponse(await upstream.json(), meta);
          const usage = completion.usage && {
            prompt: completion.usage.prompt_tokens,
            completion: completion.usage.completion_tokens,
            cached: completion.usage.prompt_tokens_details?.cached_tokens ?? undefined,
          };
          done(true, usage);
          spend(usage, { chars: answerChars(completion), complete: true });
          cache.store(completion, from);
          return jsonAnswer(completion, headers);
        }
        const { first, reader } = await firstChunk(upstream, adapter, meta, idle);
        const rest = cache.stores ? recordStream(first, reader, (whole) => cache.store(whole, from)) : reader;
        headers.set("content-type", "text/event-stream; charset=utf-8");
        headers.set("cache-control", "no-cache");
        const ended = (ok: boolean, usage?: StreamUsage, streamed?: Streamed, error?: string) => {
          done(ok, usage, error);
          spend(usage, streamed ?? { chars: 0, complete: ok });
        };
        return new Response(openAiEventStream(first, rest, { includeUsage, done: ended, idle, redact }), {
          headers,
        });
      },
    }),
  );
  return withHeaders(withCacheStatus(response, cache.status, gateway.debugHeaders), limits.headers());
}

/** Admits the request against its route's and consumer's limits, or throws the refusal. */
async function limitsFor(
  c: Context<AppEnv>,
  gateway: Gateway,
  route: Route,
  deps: PipelineDeps,
  ask: AiAsk,
): Promise<Extract<AiLimited, { ok: true }>> {
  const limited = await admitAi(
    c,
    gateway,
    route,
    limitDeps(deps),
    c.req.header("cf-connecting-ip") ?? "",
    ask,
  );
  if (limited.ok) return limited;
  if ("badRequest" in limited) throw badRequest(limited.badRequest, limited.param);
  if ("modelNotAllowed" in limited)
    throw aiRefusal({ status: 403, kind: "model_not_allowed", message: limited.modelNotAllowed });
  throw aiLimitRefusal(limited.failure, limited.headers);
}

/** A request that reached no provider (every target failed, or refused it) gives back all it took. */
async function settledOnFailure(limits: { settle: Settle }, run: () => Promise<Response>): Promise<Response> {
  try {
    const response = await run();
    if (!response.ok) limits.settle();
    return response;
  } catch (error) {
    limits.settle();
    throw error;
  }
}

/**
 * Settles what a target's answer used: the provider's usage, or (when it reports none) an estimate
 * from the text that went each way, flagged; a stream cut short is settled as partial.
 */
function spending(target: ResolvedTarget, promptEstimate: number, settle: Settle) {
  return (usage: StreamUsage | undefined, streamed: Streamed) => {
    settle({
      model: `${target.provider.name}/${target.model}`,
      prices: target,
      usage: usage ?? { prompt: promptEstimate, completion: tokensOfText(streamed.chars) },
      partial: !streamed.complete,
      estimated: usage === undefined,
    });
  };
}

function answerChars(completion: ChatCompletion): number {
  let chars = 0;
  for (const choice of completion.choices) {
    chars += typeof choice.message.content === "string" ? choice.message.content.length : 0;
    for (const call of choice.message.tool_calls ?? []) chars += call.function.arguments.length;
  }
  return chars;
}

function cacheFor(
  c: Context<AppEnv>,
  gateway: Gateway,
  route: Route,
  deps: PipelineDeps,
  kind: AiKind,
  request: Record<string, unknown>,
  temperature?: number | null,
): AnswerCache {
  return answerCache({
    kind,
    request,
    temperature,
    headers: c.req.raw.headers,
    origin: new URL(c.req.url).origin,
    route,
    // On a route with auth, answers are kept per consumer: one client never gets another's.
    consumer: route.auth ? c.get("consumer")?.id : undefined,
    maxTtlSeconds: gateway.aiCache.maxClientTtlSeconds,
    env: c.env,
    ctx: c.executionCtx,
    now: () => deps.clock.now(),
  });
}

/** A consumer limited to some models gets 403 model_not_allowed for any other, before any provider. */
function allowModel(c: Context<AppEnv>, model: string): void {
  const consumer = c.get("consumer");
  if (consumer && !modelAllowed(consumer.models, model))
    throw aiRefusal({
      status: 403,
      kind: "model_not_allowed",
      message: `consumer ${consumer.id} may not use the model \`${model}\``,
    });
}

/** What every dispatch of this request shares, whatever the endpoint. */
function requestScope(c: Context<AppEnv>, gateway: Gateway, route: Route, deps: PipelineDeps) {
  return {
    gateway,
    route,
    deps,
    env: c.env,
    requestId: c.get("requestId"),
    settle: () => deps.settle(c),
    trace: c.get("trace"),
    record: c.get("record"),
  };
}

function jsonAnswer(answer: object, headers: Headers): Response {
  headers.set("content-type", "application/json");
  return new Response(JSON.stringify(answer), { headers });
}

/** A cached completion as the event stream a provider would have sent, through the same encoder. */
function replayStream(completion: ChatCompletion, includeUsage: boolean, headers: Headers): Response {
  const [first, ...rest] = completionChunks(completion, completion);
  if (!first) return jsonAnswer(completion, headers);
  const chunks = new ReadableStream<ChatChunk>({
    start(controller) {
      for (const chunk of rest) controller.enqueue(chunk);
      controller.close();
    },
  });
  headers.set("content-type", "text/event-stream; charset=utf-8");
  headers.set("cache-control", "no-cache");
  return new Response(openAiEventStream(first, chunks.getReader(), { includeUsage, done: () => {} }), {
    headers,
  });
}

async function embeddings(
  c: Context<AppEnv>,
  gateway: Gateway,
  route: Route,
  deps: PipelineDeps,
): Promise<Response> {
  const req = await body(c, embeddingsRequestSchema, aiBodyLimit(gateway));
  allowModel(c, req.model);
  const resolved = resolveTargets(gateway, req.model);
  const promptTokens = tokensOfText(JSON.stringify(req.input).length);
  const limits = await limitsFor(c, gateway, route, deps, {
    model: req.model,
    promptTokens,
    targets: resolved.targets,
    embeddings: true,
  });
  const cache = cacheFor(c, gateway, route, deps, "embeddings", req);
  const hit = await cache.lookup();
  c.get("record")?.cached(hit ? "HIT" : cache.status);
  if (hit) {
    limits.settle();
    const headers = cachedAnswerHeaders(hit, c.get("requestId"), {
      on: gateway.debugHeaders,
      route: route.index,
    });
    return withHeaders(jsonAnswer(hit.body as EmbeddingsResponse, headers), limits.headers());
  }
  const targets = await prepared(c, gateway, deps, req.model, resolved, { messages: [] });
  const response = await settledOnFailure(limits, () =>
    dispatch({
      ...requestScope(c, gateway, route, deps),
      targets,
      build: (adapter, target) => {
        if (!adapter.embeddingsRequest)
          throw badRequest(`${target.provider.type} has no embeddings API`, "model", "unsupported_model");
        // Floats from every provider; encodeEmbeddings answers base64 when the client asked for it.
        return adapter.embeddingsRequest({ ...req, encoding_format: "float" }, target);
      },
      async answer({ upstream, adapter, target, headers, done }) {
        const native: EmbeddingsResponse = adapter.embeddingsResponse
          ? adapter.embeddingsResponse(await upstream.json(), target.model)
          : ((await upstream.json()) as EmbeddingsResponse);
        const result = encodeEmbeddings(native, req.encoding_format ?? "float");
        const usage = result.usage && { prompt: result.usage.prompt_tokens, completion: 0 };
        done(true, usage ?? { prompt: 0, completion: 0 });
        spending(target, promptTokens, limits.settle)(usage, { chars: 0, complete: true });
        cache.store(result, { provider: target.provider.name, model: target.model });
        return jsonAnswer(result, headers);
      },
    }),
  );
  return withHeaders(withCacheStatus(response, cache.status, gateway.debugHeaders), limits.headers());
}
