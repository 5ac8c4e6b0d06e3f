// The OpenAI-compatible API on `ai = true` routes, under the route's prefix:
// POST /chat/completions (streaming or not), POST /embeddings, GET /models.
import type { Context } from "hono";
import type { ZodType } from "zod";
import type { Gateway, Route } from "../config/normalize";
import type { AppEnv } from "../env";
import type { PipelineDeps } from "../gateway";
import { dispatch, firstChunk, openAiEventStream } from "./dispatch";
import { AiError, badRequest } from "./errors";
import { orderTargets, resolveTargets } from "./models";
import {
  type ChatCompletion,
  chatRequestSchema,
  type EmbeddingsResponse,
  embeddingsRequestSchema,
} from "./openai-types";

export async function handleAi(
  c: Context<AppEnv>,
  gateway: Gateway,
  route: Route,
  deps: PipelineDeps,
): Promise<Response> {
  const requestId = c.get("requestId");
  try {
    const prefix = route.path.slice(0, -2);
    const path = new URL(c.req.url).pathname.slice(prefix.length) || "/";
    const method = c.req.method;
    if (path === "/models" && method === "GET") return models(gateway);
    if (path === "/chat/completions" && method === "POST") return await chat(c, gateway, route, deps);
    if (path === "/embeddings" && method === "POST") return await embeddings(c, gateway, route, deps);
    throw new AiError(
      404,
      `${method} ${prefix}${path} is not part of this API`,
      "invalid_request_error",
      "unknown_url",
    );
  } catch (error) {
    if (error instanceof AiError) return error.toResponse(requestId);
    console.error(JSON.stringify({ requestId, error: String(error) }));
    return new AiError(500, "the gateway could not complete the request", "server_error").toResponse(
      requestId,
    );
  }
}

async function body<T>(c: Context<AppEnv>, schema: ZodType<T>, limit: number): Promise<T> {
  const length = Number(c.req.header("content-length") ?? 0);
  if (length > limit)
    throw new AiError(
      413,
      `the request body is larger than ${limit} bytes`,
      "invalid_request_error",
      "payload_too_large",
    );
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw badRequest("the request body must be JSON");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue?.path.join(".") || null;
    throw badRequest(`${param ?? "body"}: ${issue?.message ?? "invalid"}`, param);
  }
  return parsed.data;
}

function models(gateway: Gateway): Response {
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
  return Response.json({ object: "list", data });
}

async function prepared(
  c: Context<AppEnv>,
  gateway: Gateway,
  deps: PipelineDeps,
  model: string,
  req: Parameters<typeof orderTargets>[3],
) {
  const resolved = resolveTargets(gateway, model);
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
  const req = await body(c, chatRequestSchema, gateway.limits.maxBodyBytes);
  const targets = await prepared(c, gateway, deps, req.model, req);
  const stream = req.stream === true;
  const includeUsage = req.stream_options?.include_usage === true;
  return dispatch({
    gateway,
    route,
    deps,
    env: c.env,
    requestId: c.get("requestId"),
    waitUntil: (p) => c.executionCtx.waitUntil(p),
    targets,
    build: (adapter, target) => {
      // Ask every provider for usage, so it is counted even when the client did not ask for it.
      const native = stream
        ? { ...req, stream_options: { ...req.stream_options, include_usage: true } }
        : req;
      return adapter.chatRequest(native, target);
    },
    async answer({ upstream, adapter, meta, headers, done }) {
      if (!stream) {
        const completion: ChatCompletion = adapter.chatResponse(await upstream.json(), meta);
        done(
          true,
          completion.usage && {
            prompt: completion.usage.prompt_tokens,
            completion: completion.usage.completion_tokens,
          },
        );
        headers.set("content-type", "application/json");
        return new Response(JSON.stringify(completion), { headers });
      }
      const { first, reader } = await firstChunk(upstream, adapter, meta);
      headers.set("content-type", "text/event-stream; charset=utf-8");
      headers.set("cache-control", "no-cache");
      return new Response(openAiEventStream(first, reader, includeUsage, done), { headers });
    },
  });
}

async function embeddings(
  c: Context<AppEnv>,
  gateway: Gateway,
  route: Route,
  deps: PipelineDeps,
): Promise<Response> {
  const req = await body(c, embeddingsRequestSchema, gateway.limits.maxBodyBytes);
  const targets = await prepared(c, gateway, deps, req.model, { messages: [] });
  return dispatch({
    gateway,
    route,
    deps,
    env: c.env,
    requestId: c.get("requestId"),
    waitUntil: (p) => c.executionCtx.waitUntil(p),
    targets,
    build: (adapter, target) => {
      if (!adapter.embeddingsRequest)
        throw badRequest(`${target.provider.type} has no embeddings API`, "model", "unsupported_model");
      return adapter.embeddingsRequest(req, target);
    },
    async answer({ upstream, adapter, target, headers, done }) {
      const result: EmbeddingsResponse = adapter.embeddingsResponse
        ? adapter.embeddingsResponse(await upstream.json(), target.model)
        : ((await upstream.json()) as EmbeddingsResponse);
      done(true, { prompt: result.usage?.prompt_tokens ?? 0, completion: 0 });
      headers.set("content-type", "application/json");
      return new Response(JSON.stringify(result), { headers });
    },
  });
}
