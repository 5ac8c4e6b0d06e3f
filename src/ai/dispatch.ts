// Trying an AI request's targets in order. Each provider endpoint is a backend like any other:
// skipped while unusable (unhealthy, circuit open, cooling down after a 429), timed out, and its
// outcome recorded (proxy/outcome.ts decides what counts against it). A connection error, a
// timeout, 408, 429, 5xx, a refused key (401/403) or a redirect moves on to the next target, as
// long as nothing has reached the client yet; other 4xx are the client's and returned as they are.
// A stream commits to its target once the first event has arrived (stream.ts). When no target
// answers, failures.ts says what the client is told. Every answer, errors included, carries the
// debug headers when they are on.
import type { Gateway, Route } from "../config/normalize";
import type { PipelineDeps } from "../gateway";
import type { RequestRecord } from "../observability/request-record";
import type { Trace } from "../observability/trace";
import { outcomeOf } from "../proxy/outcome";
import type { Outcome } from "../state/types";
import { isUsable } from "../state/usable";
import { AiError } from "./errors";
import { AiFailures, coolingDown, providerErrorAnswer, sendFailure, unreadable, unusable } from "./failures";
import { type ResolvedTarget, usageModel } from "./models";
import { adapters } from "./providers";
import type { Adapter, ChunkMeta, Target, UpstreamRequest } from "./providers/types";
import { configuredKeys, type Redactor, redactor } from "./redact";
import { type SendResult, send } from "./send";
import { type IdleLimit, StreamIdle } from "./stream";

export interface DispatchInput {
  gateway: Gateway;
  route: Route;
  deps: PipelineDeps;
  env: Record<string, unknown>;
  requestId: string;
  targets: ResolvedTarget[];
  /** After an outcome was counted: sends what is urgent (an opened circuit, a cool-down) at once. */
  settle: () => void;
  /** The request's trace: its `traceparent` goes to every provider tried. */
  trace?: Trace;
  /** The observe stage's record: targets tried, time waited, usage, errors. */
  record?: RequestRecord;
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
  /** Records the outcome and the usage, once; `error` is the code a failed stream ended with. */
  done: (ok: boolean, usage?: { prompt: number; completion: number }, error?: string) => void;
  headers: Headers;
  /** How long the provider's stream may stay silent (its streamIdleTimeoutMs, on the gateway's clock). */
  idle: IdleLimit;
  /** Removes anything that looks like a configured key from provider text. */
  redact: Redactor;
}

export async function dispatch(input: DispatchInput): Promise<Response> {
  const { deps, gateway } = input;
  const failures = new AiFailures();
  const redact = redactor(configuredKeys(gateway.providers.values(), input.env));
  let attempts = 0;
  let last: ResolvedTarget | undefined;
  const errorAnswer = (error: AiError) =>
    debugHeaders(error.toResponse(input.requestId), gateway, input.route, last, attempts);

  for (const target of input.targets) {
    const provider = target.provider;
    const now = deps.clock.now();
    const view = deps.state.view(target.backend, now);
    if (!isUsable(target.backend, view, deps.state.halfOpenInflight(target.backend.id))) {
      if (view.cooldownUntil > now)
        failures.add("cooldown", coolingDown(provider, Math.ceil((view.cooldownUntil - now) / 1000)));
      else failures.add("unreachable", unusable(provider));
      continue;
    }
    const adapter = adapters[provider.type];
    const secret = provider.apiKeySecret;
    const apiKey = secret ? input.env[secret] : undefined;
    if (secret && (typeof apiKey !== "string" || apiKey === "")) {
      failures.add(
        "secret",
        new AiError(
          500,
          `provider ${provider.name}: the secret ${secret} is not set`,
          "server_error",
          "missing_secret",
        ),
      );
      continue;
    }
    let request: UpstreamRequest;
    try {
      request = input.build(adapter, { provider, model: target.model, apiKey: apiKey as string | undefined });
    } catch (error) {
      if (error instanceof AiError) {
        failures.add("client", error);
        continue;
      }
      throw error;
    }

    if (input.trace) {
      request.init.headers.traceparent = input.trace.traceparent;
      if (input.trace.tracestate) request.init.headers.tracestate = input.trace.tracestate;
    }
    attempts += 1;
    last = target;
    input.record?.attempt({
      provider: provider.name,
      model: target.model,
      metricModel: usageModel(gateway, target),
    });
    const lease = deps.state.begin(target.backend, now);
    let settled = false;
    const record = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      deps.state.end(target.backend, lease, outcome, deps.clock.now());
      input.settle();
    };
    const breaker = target.backend.circuitBreaker;
    const started = deps.clock.now();
    let result: SendResult;
    try {
      result = await send(adapter, request, input.env, provider.timeoutMs, deps.clock);
    } catch (error) {
      // A provider that cannot be called as configured (Workers AI without its binding).
      if (!(error instanceof AiError)) throw error;
      record({ ok: false, latencyMs: 0, sent: false });
      failures.add("secret", error);
      continue;
    }
    const latency = deps.clock.now() - started;
    input.record?.waited(latency);
    if (result.kind !== "response") {
      record(outcomeOf(result, latency, breaker));
      const failure = sendFailure(provider, result);
      failures.add(failure.rank, failure.error);
      continue;
    }
    const upstream = result.response;
    const status = upstream.status;
    if (status >= 300) {
      const answer = await providerErrorAnswer(
        upstream,
        provider,
        adapter.errorMessage,
        redact,
        deps.clock.now(),
      );
      if (answer.retryAfterMs > 0)
        deps.state.coolDown(target.backend, deps.clock.now() + answer.retryAfterMs);
      record(outcomeOf({ kind: "response", status }, latency, breaker));
      if (!answer.retryable) return errorAnswer(answer.error);
      failures.add("answer", answer.error);
      continue;
    }

    const meta: ChunkMeta = {
      id: `chatcmpl-${input.requestId}`,
      created: Math.floor(deps.clock.now() / 1000),
      model: target.model,
    };
    const headers = new Headers({ "x-request-id": input.requestId });
    debugHeaders(headers, gateway, input.route, target, attempts);
    try {
      return await input.answer({
        upstream,
        adapter,
        target,
        meta,
        headers,
        idle: { clock: deps.clock, ms: provider.streamIdleTimeoutMs },
        redact,
        done: (ok, usage, error) => {
          record(ok ? outcomeOf({ kind: "response", status }, latency, breaker) : stalled(latency));
          if (error) input.record?.failed(error);
          if (usage) input.record?.usage(usage.prompt, usage.completion);
          if (usage)
            deps.state.recordUsage(
              target.backend.id,
              usageModel(gateway, target),
              usage.prompt,
              usage.completion,
            );
        },
      });
    } catch (error) {
      // Nothing reached the client yet (a bad body, or a stream that broke or stalled before its
      // first event): the next target may still answer.
      if (error instanceof AiError && error.status < 500) return errorAnswer(error);
      if (error instanceof StreamIdle) {
        record({ ok: false, latencyMs: latency, error: "stream idle" });
        failures.add(
          "timeout",
          new AiError(504, `provider ${provider.name} ${error.message}`, "server_error", "upstream_timeout"),
        );
        continue;
      }
      record({ ok: false, latencyMs: latency, status, error: "bad answer" });
      failures.add("broken", unreadable(provider));
    }
  }
  return errorAnswer(failures.final());
}

/** A stream cut or stalled after its first event: the provider failed it mid-way. */
const stalled = (latencyMs: number): Outcome => ({ ok: false, latencyMs, error: "stream broke" });

/** The x-aya-* headers of an AI answer, errors included (the route, and the last target tried). */
function debugHeaders<T extends Headers | Response>(
  into: T,
  gateway: Gateway,
  route: Route,
  target: ResolvedTarget | undefined,
  attempts: number,
): T {
  if (!gateway.debugHeaders) return into;
  const headers: Headers = into instanceof Response ? into.headers : (into as Headers);
  headers.set("x-aya-route", String(route.index));
  headers.set("x-aya-attempts", String(attempts));
  if (target) {
    headers.set("x-aya-provider", target.provider.name);
    headers.set("x-aya-model", target.model);
  }
  return into;
}
