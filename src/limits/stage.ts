// The limits of one request, from admission to settlement: what the gateway (HTTP routes) and the
// AI handler call. `admit…` decides before any backend or provider is called; the returned
// Settle gives back what the request did not use when it ends (a stream when it ends), records
// its spend, and the headers go on its answer.
import type { Context } from "hono";
import type { Gateway, Route } from "../config/normalize";
import type { Plan } from "../config/plan-schema";
import { type Consumer, modelAllowed } from "../consumers/consumer";
import type { AppEnv } from "../env";
import {
  ADMISSION_TTL_MS,
  admitCall,
  type LimitContext,
  type LimitFailure,
  refundRequests,
  takeRequests,
  takeTokens,
} from "./admit";
import { type RateState, rateHeaders } from "./headers";
import type { LedgerSource } from "./ledger";
import type { Limiter, LimitsNamespace } from "./limiter";
import { dayOf } from "./periods";
import { consumerSubject, limitsOf, quotaPolicy, requestLimits } from "./plan";
import { costOf, DEFAULT_MAX_TOKENS, type Prices, type TokenUsage, worstCaseCost } from "./spend";

export interface LimitDeps {
  limiter: Limiter;
  ledger: LedgerSource;
  now: () => number;
}

export type Limited =
  /** `settle` is absent when the request holds nothing to give back (no concurrency slot). */
  | { ok: true; headers: () => Record<string, string>; settle?: Settle }
  | { ok: false; failure: LimitFailure; headers: Record<string, string> };

/** Called once when the request has ended, with what it used (AI) or nothing (HTTP). */
export type Settle = (spent?: Spent) => void;

export interface Spent {
  /** `provider/model` as billed. */
  model: string;
  usage: TokenUsage;
  prices: Prices;
  /** The stream was cut: settled with what was used. */
  partial: boolean;
  /** The provider reported no usage: counted from the text. */
  estimated: boolean;
}

function context(c: Context<AppEnv>, deps: LimitDeps): LimitContext {
  return {
    limiter: deps.limiter,
    ns: c.env.LIMITS as unknown as LimitsNamespace,
    waitUntil: (p) => c.executionCtx.waitUntil(p),
    now: deps.now,
  };
}

/** An HTTP route: its rateLimit and the consumer's plan requests and concurrency. */
export async function admitHttp(
  c: Context<AppEnv>,
  gateway: Gateway,
  route: Route,
  deps: LimitDeps,
  clientIp: string,
): Promise<Limited> {
  const consumer = c.get("consumer");
  const plan = limitsOf(gateway, consumer);
  const limits = requestLimits(route, plan, consumer, clientIp, c.req.raw.headers);
  if (limits.length === 0 && !plan?.concurrency) return { ok: true, headers: () => ({}) };
  const ctx = context(c, deps);
  const requests = await takeRequests(ctx, limits);
  const headers = () => rateHeaders(ctx.now(), requests.state, undefined);
  if (!requests.ok) return refused(c, requests.failure, headers());
  if (!(consumer && plan?.concurrency)) return { ok: true, headers };
  const subject = consumerSubject(consumer);
  const id = c.get("requestId");
  const admitted = await admitCall(ctx, subject, {
    id,
    ttlMs: ADMISSION_TTL_MS,
    concurrency: plan.concurrency,
  });
  if (!admitted.ok) {
    refundRequests(ctx, requests.taken);
    return refused(c, admitted.failure, headers());
  }
  return { ok: true, headers, settle: () => ctx.limiter.settle(ctx.ns, subject, { id }, ctx.waitUntil) };
}

export interface AiAsk {
  /** The model as the client named it. */
  model: string;
  promptTokens: number;
  /** max_tokens / max_completion_tokens as asked (chat); 0 for embeddings. */
  maxTokens?: number | null;
  n?: number | null;
  /** Every target the request may land on (a budget reserves for the dearest). */
  targets: readonly Prices[];
  embeddings: boolean;
}

export type AiLimited =
  | { ok: true; headers: () => Record<string, string>; settle: Settle; maxTokens?: number }
  | Extract<Limited, { ok: false }>
  | { ok: false; badRequest: string; param: string }
  | { ok: false; modelNotAllowed: string };

/**
 * An AI route: the plan's models, maxTokensPerRequest and maxN (a 400 above them), its request
 * and token limits, then its concurrency and budget in one call. `maxTokens` is what to ask the
 * provider for when the client set none and the plan caps it.
 */
export async function admitAi(
  c: Context<AppEnv>,
  gateway: Gateway,
  route: Route,
  deps: LimitDeps,
  clientIp: string,
  ask: AiAsk,
): Promise<AiLimited> {
  const consumer = c.get("consumer");
  const plan = limitsOf(gateway, consumer);
  if (!modelAllowed(plan?.models, ask.model))
    return {
      ok: false,
      modelNotAllowed: `the plan of consumer ${consumer?.id} does not include the model \`${ask.model}\``,
    };
  if (plan?.maxTokensPerRequest !== undefined && (ask.maxTokens ?? 0) > plan.maxTokensPerRequest)
    return {
      ok: false,
      badRequest: `max_tokens ${ask.maxTokens} is above this consumer's cap of ${plan.maxTokensPerRequest}`,
      param: "max_tokens",
    };
  if (plan?.maxN !== undefined && (ask.n ?? 1) > plan.maxN)
    return { ok: false, badRequest: `n ${ask.n} is above this consumer's cap of ${plan.maxN}`, param: "n" };

  const limits = requestLimits(route, plan, consumer, clientIp, c.req.raw.headers);
  const metered = consumer && (plan?.tokens || plan?.budget || plan?.concurrency);
  const ctx = context(c, deps);
  // What the provider is asked for when the client set nothing and the plan caps it.
  const capped =
    ask.maxTokens ?? (plan?.maxTokensPerRequest !== undefined ? plan.maxTokensPerRequest : undefined);
  const outputBound = ask.embeddings ? 0 : (capped ?? DEFAULT_MAX_TOKENS) * (ask.n ?? 1);
  const estimate = ask.promptTokens + outputBound;

  const requests = limits.length
    ? await takeRequests(ctx, limits)
    : { ok: true as const, state: undefined, taken: [] };
  let tokensState: RateState | undefined;
  const headers = () => rateHeaders(ctx.now(), requests.state, tokensState);
  if (!requests.ok) return refused(c, requests.failure, headers());
  // The plan's cap, sent to the provider only when the client asked for no limit of its own.
  const maxTokens = ask.maxTokens ? undefined : capped;
  if (!consumer || !metered)
    return { ok: true, headers, maxTokens, settle: (spent) => void record(c, deps, consumer, spent) };

  const subject = consumerSubject(consumer);
  const tokenPolicy = plan?.tokens && quotaPolicy(plan.tokens.limit, plan.tokens.windowSeconds);
  let tokenLease: string | undefined;
  if (tokenPolicy) {
    const tokens = await takeTokens(ctx, subject, tokenPolicy, estimate);
    tokensState = tokens.state;
    if (tokens.ok) tokenLease = tokens.lease;
    else {
      refundRequests(ctx, requests.taken);
      return refused(c, tokens.failure, headers());
    }
  }
  const id = c.get("requestId");
  const budget = plan?.budget && {
    usd: plan.budget.usd,
    period: plan.budget.period,
    reserveUsd: worstCaseCost(ask.promptTokens, outputBound, ask.targets),
  };
  if (budget || plan?.concurrency) {
    const admitted = await admitCall(ctx, subject, {
      id,
      ttlMs: ADMISSION_TTL_MS,
      concurrency: plan?.concurrency,
      budget,
    });
    if (!admitted.ok) {
      refundRequests(ctx, requests.taken);
      if (tokenPolicy && tokenLease)
        ctx.limiter.refund(ctx.ns, subject, "tokens", tokenPolicy, estimate, tokenLease);
      return refused(c, admitted.failure, headers());
    }
  }
  let settled = false;
  return {
    ok: true,
    headers,
    maxTokens,
    settle: (spent) => {
      if (settled) return;
      settled = true;
      const used = spent ? spent.usage.prompt + spent.usage.completion : 0;
      if (tokenPolicy && tokenLease) {
        // The estimate was taken up front: give back what was not used, count what went beyond.
        ctx.limiter.refund(ctx.ns, subject, "tokens", tokenPolicy, estimate - used, tokenLease);
        ctx.limiter.spendAfter(ctx.ns, subject, "tokens", tokenPolicy, used - estimate, tokenLease);
      }
      const costUsd = record(c, deps, consumer, spent);
      if (budget || plan?.concurrency)
        ctx.limiter.settle(
          ctx.ns,
          subject,
          { id, costUsd: budget ? costUsd : undefined, budget },
          ctx.waitUntil,
        );
    },
  };
}

/** A limit refused the request: counted (aya_ratelimited_total) unless it could not be checked. */
function refused(c: Context<AppEnv>, failure: LimitFailure, headers: Record<string, string>) {
  const line = c.get("record");
  if (line && failure.kind !== "unavailable") line.rateLimited = true;
  return { ok: false as const, failure, headers };
}

/** The ledger's row for a request that reached a provider; returns what it cost (0: none reached). */
function record(
  c: Context<AppEnv>,
  deps: LimitDeps,
  consumer: Consumer | undefined,
  spent: Spent | undefined,
): number {
  if (!spent) return 0;
  const costUsd = costOf(spent.usage, spent.prices);
  // On the request's log line too, which is written once the answer (or its stream) has ended.
  const line = c.get("record");
  if (line) line.costUsd = costUsd;
  deps.ledger.add({
    day: dayOf(deps.now()),
    consumer: consumer?.id ?? "(anonymous)",
    model: spent.model,
    requests: 1,
    promptTokens: spent.usage.prompt,
    completionTokens: spent.usage.completion,
    cachedTokens: spent.usage.cached ?? 0,
    costUsd,
    partial: spent.partial ? 1 : 0,
    estimated: spent.estimated ? 1 : 0,
  });
  return costUsd;
}

export type { Plan };
