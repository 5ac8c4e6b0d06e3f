// The admit stage's limits (DESIGN rule 9), before any backend or provider is called: the route's
// rateLimit and the consumer's plan requests (leased quota: no call while the isolate's lease
// lasts), its tokens (an AI request's estimate taken up front, settled against the real usage
// after), and its concurrency and budget (one call to its Limits object: a slot, and the request's
// worst-case cost reserved). What is taken is given back when the request ends (`settle`).

import type { RateState } from "./headers";
import type { QuotaPolicy } from "./lease";
import type { Limiter, LimitsNamespace } from "./limiter";
import type { Period } from "./periods";
import type { RequestLimit } from "./plan";
import type { Admission, BudgetView } from "./subject-book";

export interface LimitFailure {
  /** `unavailable`: a budget or concurrency limit could not be checked (they fail closed). */
  kind: "rate" | "tokens" | "concurrency" | "budget" | "unavailable";
  message: string;
  retryAfterSeconds: number;
}

export interface LimitContext {
  limiter: Limiter;
  ns: LimitsNamespace;
  waitUntil: (p: Promise<unknown>) => void;
  now: () => number;
}

/** A unit taken from a request limit, to give back if a later limit refuses the request. */
export interface Taken {
  limit: RequestLimit;
  lease: string;
}

export type RequestsTaken =
  | { ok: true; state?: RateState; taken: Taken[] }
  | { ok: false; failure: LimitFailure; state?: RateState };

/** Gives back the units a request took, when a later limit refuses it. */
export function refundRequests(ctx: LimitContext, taken: readonly Taken[]): void {
  for (const t of taken) ctx.limiter.refund(ctx.ns, t.limit.subject, "requests", t.limit.policy, 1, t.lease);
}

/** One unit of every request limit; refused by the first that is spent (the others given back). */
export async function takeRequests(
  ctx: LimitContext,
  limits: readonly RequestLimit[],
): Promise<RequestsTaken> {
  let tightest: RateState | undefined;
  const taken: Taken[] = [];
  for (const l of limits) {
    const r = await ctx.limiter.take(ctx.ns, l.subject, "requests", l.policy, 1, ctx.waitUntil);
    if (!r.ok && r.reason === "unavailable") {
      // The limit's object cannot be reached: a rate limit fails open (the backend still answers),
      // and says so in the logs; budgets fail closed (admitCall).
      console.warn(JSON.stringify({ msg: "rate limit unavailable; admitted", subject: l.subject }));
      continue;
    }
    if (!r.ok) {
      refundRequests(ctx, taken);
      const state = { limit: l.policy.limit, remaining: 0, resetAt: r.retryAt };
      const seconds = Math.max(1, Math.ceil((r.retryAt - ctx.now()) / 1000));
      return {
        ok: false,
        state,
        failure: {
          kind: "rate",
          message: `${l.scope === "route" ? "this route's" : "the consumer's"} limit of ${l.policy.limit} requests per ${l.policy.windowMs / 1000} s is reached; retry in ${seconds} s`,
          retryAfterSeconds: seconds,
        },
      };
    }
    taken.push({ limit: l, lease: r.lease });
    const state = { limit: l.policy.limit, remaining: r.remaining, resetAt: r.resetAt };
    if (!tightest || state.remaining < tightest.remaining) tightest = state;
  }
  return { ok: true, state: tightest, taken };
}

export type TokensTaken =
  /** `lease` is absent when the limit's object could not be asked (admitted, failing open). */
  { ok: true; state: RateState; lease?: string } | { ok: false; failure: LimitFailure; state: RateState };

export async function takeTokens(
  ctx: LimitContext,
  subject: string,
  policy: QuotaPolicy,
  n: number,
): Promise<TokensTaken> {
  const r = await ctx.limiter.take(ctx.ns, subject, "tokens", policy, n, ctx.waitUntil);
  if (r.ok)
    return {
      ok: true,
      state: { limit: policy.limit, remaining: r.remaining, resetAt: r.resetAt },
      lease: r.lease,
    };
  const state = { limit: policy.limit, remaining: 0, resetAt: r.retryAt };
  if (r.reason === "unavailable") return { ok: true, state };
  const seconds = Math.max(1, Math.ceil((r.retryAt - ctx.now()) / 1000));
  return {
    ok: false,
    state,
    failure: {
      kind: "tokens",
      message: `the consumer's limit of ${policy.limit} tokens per ${policy.windowMs / 1000} s has no room for this request (about ${n} tokens); retry in ${seconds} s`,
      retryAfterSeconds: seconds,
    },
  };
}

export type Admitted = { ok: true; budget?: BudgetView } | { ok: false; failure: LimitFailure };

/** A concurrency slot and a budget reservation, in one call; fails closed when it cannot be asked. */
export async function admitCall(ctx: LimitContext, subject: string, admission: Admission): Promise<Admitted> {
  let answer: Awaited<ReturnType<Limiter["admit"]>>;
  try {
    answer = await ctx.limiter.admit(ctx.ns, subject, admission);
  } catch (error) {
    console.warn(JSON.stringify({ msg: "limits admission failed", subject, error: String(error) }));
    return {
      ok: false,
      failure: {
        kind: "unavailable",
        message: "the consumer's limits could not be checked; try again",
        retryAfterSeconds: 5,
      },
    };
  }
  if (answer.ok) return { ok: true, budget: answer.budget };
  if (answer.reason === "concurrency")
    return {
      ok: false,
      failure: {
        kind: "concurrency",
        message: `the consumer already has ${admission.concurrency} requests in flight, its plan's limit`,
        retryAfterSeconds: answer.retryAfterSeconds,
      },
    };
  const b = answer.budget;
  return {
    ok: false,
    failure: {
      kind: "budget",
      message: b
        ? `the consumer's budget of $${b.limitUsd} for ${b.period} is spent ($${b.spentUsd.toFixed(4)} spent, $${b.reservedUsd.toFixed(4)} reserved by requests in flight)`
        : "the consumer's budget is spent",
      retryAfterSeconds: answer.retryAfterSeconds,
    },
  };
}

/** The longest a slot or reservation is held when its request never settles (an evicted isolate). */
export const ADMISSION_TTL_MS = 15 * 60_000;

export type { Period };
