// Trying an AI request's targets in order. Each provider endpoint is a backend like any other:
// skipped while unusable (unhealthy, circuit open, cooling down after a 429), timed out, and its
// outcome recorded. A network error, a timeout, 408, 429 or 5xx moves on to the next target, as
// long as nothing has reached the client yet; other 4xx are the client's and returned as they are.
// A stream commits to its target once the first event has arrived; if it breaks after that the
// client gets a final error event and no [DONE], so a cut answer never looks whole.
import type { Clock } from "../clock";
import type { Gateway, Route } from "../config/normalize";
import type { PipelineDeps } from "../gateway";
import { deadline } from "../proxy/deadline";
import { isUsable } from "../state/usable";
import { AiError } from "./errors";
import type { ResolvedTarget } from "./models";
import type { ChatChunk } from "./openai-types";
import { adapters } from "./providers";
import type { Adapter, ChunkMeta, Target, UpstreamRequest } from "./providers/types";
import { SSE_DONE, sseData, sseParser } from "./sse";

export interface DispatchInput {
  gateway: Gateway;
  route: Route;
  deps: PipelineDeps;
  env: Record<string, unknown>;
  requestId: string;
  targets: ResolvedTarget[];
  /** Builds the native request (throws an AiError 400 when this provider cannot honour it). */
  build: (adapter: Adapter, target: Target) => UpstreamRequest;
  /** Reads a successful answer: a JSON body, or (for streams) commits to the stream. */
  answer: (ctx: AnswerContext) => Promise<Response>;
}

export interface AnswerContext {
  upstream: Response;
  adapter: Adapter;
  target: ResolvedTarget;
  meta: ChunkMeta;
  /** Records the outcome and the usage, once. */
  done: (ok: boolean, usage?: { prompt: number; completion: number }) => void;
  headers: Headers;
}

const RETRY_STATUSES = new Set([408, 429]);

export async function dispatch(input: DispatchInput): Promise<Response> {
  const { deps, gateway } = input;
  const failures: AiError[] = [];
  let attempts = 0;
  for (const target of input.targets) {
    const now = deps.clock.now();
    const view = deps.state.view(target.backend, now);
    if (!isUsable(target.backend, view, deps.state.halfOpenInflight(target.backend.id))) {
      failures.push(
        view.cooldownUntil > now
          ? rateLimited(target, Math.ceil((view.cooldownUntil - now) / 1000))
          : new AiError(
              503,
              `provider ${target.provider.name} is unavailable`,
              "server_error",
              "provider_unavailable",
            ),
      );
      continue;
    }
    const adapter = adapters[target.provider.type];
    const secret = target.provider.apiKeySecret;
    const apiKey = secret ? input.env[secret] : undefined;
    if (secret && (typeof apiKey !== "string" || apiKey === "")) {
      failures.push(
        new AiError(
          500,
          `provider ${target.provider.name}: the secret ${secret} is not set`,
          "server_error",
          "missing_secret",
        ),
      );
      continue;
    }
    let request: UpstreamRequest;
    try {
      request = input.build(adapter, {
        provider: target.provider,
        model: target.model,
        apiKey: apiKey as string | undefined,
      });
    } catch (error) {
      if (error instanceof AiError) {
        failures.push(error);
        continue;
      }
      throw error;
    }

    attempts += 1;
    const lease = deps.state.begin(target.backend, now);
    let settled = false;
    const done = (ok: boolean, latencyMs: number, status?: number, error?: string) => {
      if (settled) return;
      settled = true;
      deps.state.end(target.backend, lease, { ok, latencyMs, status, error }, deps.clock.now());
    };
    const started = deps.clock.now();
    const result = await send(adapter, request, input.env, target.provider.timeoutMs, deps.clock);
    const latency = deps.clock.now() - started;
    if (result.kind !== "response") {
      done(false, latency, undefined, result.kind);
      failures.push(
        result.kind === "timeout"
          ? new AiError(
              504,
              `provider ${target.provider.name} did not answer in time`,
              "server_error",
              "upstream_timeout",
            )
          : new AiError(
              502,
              `provider ${target.provider.name} could not be reached`,
              "server_error",
              "upstream_error",
            ),
      );
      continue;
    }
    const upstream = result.response;
    if (upstream.status >= 400) {
      const body = await upstream.json().catch(() => null);
      const message =
        adapter.errorMessage(body) ?? `provider ${target.provider.name} answered ${upstream.status}`;
      const retryAfter = upstream.status === 429 ? retryAfterMs(upstream.headers.get("retry-after")) : 0;
      if (retryAfter > 0) deps.state.coolDown(target.backend, deps.clock.now() + retryAfter);
      const retryable = upstream.status >= 500 || RETRY_STATUSES.has(upstream.status);
      done(upstream.status < 500, latency, upstream.status, `status ${upstream.status}`);
      const error = new AiError(
        upstream.status,
        message,
        errorType(upstream.status),
        codeOf(body),
        null,
        retryAfter > 0 ? Math.ceil(retryAfter / 1000) : undefined,
      );
      if (retryable) {
        failures.push(error);
        continue;
      }
      return withHeaders(error.toResponse(input.requestId), gateway, input.route, target, attempts);
    }

    const meta: ChunkMeta = {
      id: `chatcmpl-${input.requestId}`,
      created: Math.floor(deps.clock.now() / 1000),
      model: target.model,
    };
    const headers = new Headers({ "x-request-id": input.requestId });
    decorate(headers, gateway, input.route, target, attempts);
    try {
      return await input.answer({
        upstream,
        adapter,
        target,
        meta,
        headers,
        done: (ok, usage) => {
          done(ok, latency, upstream.status);
          if (usage) deps.state.recordUsage(target.backend.id, target.model, usage.prompt, usage.completion);
        },
      });
    } catch (error) {
      // Nothing reached the client yet (a bad body, or a stream that broke before its first event).
      done(false, latency, upstream.status, "bad answer");
      if (error instanceof AiError && error.status < 500) throw error;
      failures.push(
        new AiError(
          502,
          `provider ${target.provider.name} sent an answer that could not be read`,
          "server_error",
          "upstream_error",
        ),
      );
    }
  }
  throw finalError(failures);
}

type SendResult = { kind: "response"; response: Response } | { kind: "timeout" } | { kind: "network" };

async function send(
  adapter: Adapter,
  request: UpstreamRequest,
  env: Record<string, unknown>,
  timeoutMs: number,
  clock: Clock,
): Promise<SendResult> {
  const limit = deadline(clock, timeoutMs);
  try {
    const work = adapter.send
      ? adapter.send(request, env)
      : fetch(request.url, { ...request.init, signal: limit.signal });
    // The AI binding takes no signal: the race ends the wait for it all the same.
    const response = await Promise.race([
      work,
      new Promise<never>((_, reject) =>
        limit.signal.addEventListener("abort", () => reject(new Error("timeout"))),
      ),
    ]);
    return { kind: "response", response };
  } catch (error) {
    if (error instanceof AiError) throw error;
    return { kind: limit.expired() ? "timeout" : "network" };
  } finally {
    limit.clear();
  }
}

/** Retry-After in seconds or as an HTTP date, in ms; 0 when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number {
  if (!value) return 0;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : 0;
}

function errorType(status: number): string {
  if (status === 401 || status === 403) return "authentication_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

/** The provider's error code: OpenAI's `code`, else Gemini's `status` (its `code` is the HTTP number), else a `type`. */
function codeOf(body: unknown): string | null {
  const error = (body as { error?: { code?: unknown; type?: unknown; status?: unknown } } | null)?.error;
  for (const code of [error?.code, error?.status, error?.type]) if (typeof code === "string") return code;
  return null;
}

/** A target still cooling down after its 429: the client may ask again once it is over. */
function rateLimited(target: ResolvedTarget, seconds: number): AiError {
  return new AiError(
    429,
    `provider ${target.provider.name} is rate limited; retry after ${seconds} s`,
    "rate_limit_error",
    "rate_limited",
    null,
    seconds,
  );
}

/** The most telling failure: a client mistake (400) over a missing secret over upstream trouble. */
function finalError(failures: AiError[]): AiError {
  if (failures.length === 0)
    return new AiError(503, "no provider is configured for this model", "server_error", "no_provider");
  const by = (pred: (e: AiError) => boolean) => failures.find(pred);
  return (
    by((e) => e.status === 400) ??
    by((e) => e.code === "missing_secret") ??
    by((e) => e.status === 429) ??
    (failures[failures.length - 1] as AiError)
  );
}

function decorate(
  headers: Headers,
  gateway: Gateway,
  route: Route,
  target: ResolvedTarget,
  attempts: number,
): void {
  if (!gateway.debugHeaders) return;
  headers.set("x-aya-route", String(route.index));
  headers.set("x-aya-provider", target.provider.name);
  headers.set("x-aya-model", target.model);
  headers.set("x-aya-attempts", String(attempts));
}

function withHeaders(
  response: Response,
  gateway: Gateway,
  route: Route,
  target: ResolvedTarget,
  attempts: number,
): Response {
  decorate(response.headers, gateway, route, target, attempts);
  return response;
}

/**
 * An OpenAI event stream from a stream of chunks whose first chunk has already been read.
 * `usage` chunks are passed on only when the client asked (stream_options.include_usage).
 */
export function openAiEventStream(
  first: ChatChunk,
  rest: ReadableStreamDefaultReader<ChatChunk>,
  includeUsage: boolean,
  done: (ok: boolean, usage?: { prompt: number; completion: number }) => void,
): ReadableStream<Uint8Array> {
  let usage: { prompt: number; completion: number } | undefined;
  /** Enqueues the chunk as an event; false when it was a usage-only chunk the client did not ask for. */
  const emit = (controller: ReadableStreamDefaultController<Uint8Array>, c: ChatChunk): boolean => {
    if (c.usage) usage = { prompt: c.usage.prompt_tokens, completion: c.usage.completion_tokens };
    if (c.usage && !includeUsage) {
      if (c.choices.length === 0) return false;
      const { usage: _drop, ...rest } = c;
      controller.enqueue(sseData(rest));
      return true;
    }
    controller.enqueue(sseData(c));
    return true;
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      emit(controller, first);
    },
    async pull(controller) {
      try {
        // A pull that enqueues nothing is not called again: read until something goes out.
        for (;;) {
          const { done: finished, value } = await rest.read();
          if (finished) {
            controller.enqueue(SSE_DONE);
            controller.close();
            done(true, usage);
            return;
          }
          if (emit(controller, value)) return;
        }
      } catch (error) {
        controller.enqueue(
          sseData({
            error: {
              message: `the provider's stream broke: ${String((error as Error).message ?? error)}`,
              type: "server_error",
              code: "stream_interrupted",
            },
          }),
        );
        controller.close();
        done(false, usage);
      }
    },
    cancel(reason) {
      done(true, usage);
      return rest.cancel(reason);
    },
  });
}

/** Reads the first chunk of a provider stream: failures here can still fall back. */
export async function firstChunk(upstream: Response, adapter: Adapter, meta: ChunkMeta) {
  if (!upstream.body) throw new Error("empty stream");
  const reader = upstream.body.pipeThrough(sseParser()).pipeThrough(adapter.chatStream(meta)).getReader();
  const first = await reader.read();
  if (first.done) throw new Error("the stream ended before any event");
  return { first: first.value, reader };
}
