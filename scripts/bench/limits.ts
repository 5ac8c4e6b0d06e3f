// Scenario 8: limits that hold across the edge, measured against their stated bounds (README,
// "Limits and spend"). One aya instance, one origin, the fake OpenAI provider, and 50 clients at
// once against each of: a route's request limit (100 a minute), a plan's token limit and a plan's
// budget; each counts what was accepted from the clients' side (answers, and the usage in them),
// not from aya's own books. Then, at steady load under a limit that is never reached, how often a
// proxied request waited for a Limits object, and the CPU the limit costs per request (paired
// rounds against the same route without a limit).
import { addBackends, type Bench, isolateCounters, pool } from "./common.ts";
import { cpuMeter } from "./cpu.ts";
import { startFakeOpenAi } from "./fake-openai.ts";
import { cpuUsPerRequest, type LoadResult, load, repeat, type Stat, statOf, summarise } from "./load.ts";
import { ADMIN_TOKEN, type RunningWorker, startAya } from "./runtime.ts";

export const CLIENTS = 50;
export const REQUEST_LIMIT = 100;
export const TOKEN_LIMIT = 3_000;
export const BUDGET_USD = 0.05;
/** US dollars per million tokens, in and out: the fake provider's 3 + 3 tokens cost $0.0006. */
const PRICE_PER_1M = 100;
const WINDOW_SECONDS = 60;
/** The fake provider reports 3 prompt + 3 completion tokens; max_tokens 10 bounds the estimate. */
const MAX_TOKENS = 10;

export interface ClientsRun {
  sent: number;
  accepted: number;
  refused: number;
  /** Other answers (5xx, connection errors): none expected. */
  other: number;
  /** What the accepted answers used: tokens (usage.total_tokens) or dollars at the prices set. */
  used: number;
  /** The bound the README states for this run. */
  bound: number;
  /** Calls this isolate made to Limits objects during the run. */
  limitCalls: number;
  workerdMs: number | undefined;
}

export interface LimitsRuns {
  requests: ClientsRun[];
  tokens: ClientsRun[];
  budget: ClientsRun[];
  steady: { limited: LoadResult; plain: LoadResult; waits: number; limitCalls: number; requests: number }[];
}

export async function limits(bench: Bench): Promise<LimitsRuns> {
  const [origin] = await addBackends(bench.origins, "limits", 1);
  const provider = await startFakeOpenAi();
  const gateway = {
    plans: {
      tok: { tokens: { limit: TOKEN_LIMIT, windowSeconds: WINDOW_SECONDS } },
      spend: { budget: { usd: BUDGET_USD, period: "total" } },
    },
    pools: { p: pool("least-response-time", [origin as { id: string; url: string }]) },
    providers: { fake: { type: "openai-compatible", baseUrl: `${provider.url}/v1` } },
    models: {
      chat: {
        targets: [
          { provider: "fake", model: "m", inputCostPer1M: PRICE_PER_1M, outputCostPer1M: PRICE_PER_1M },
        ],
      },
    },
    routes: [
      { path: "/v1/*", ai: true, auth: {} },
      // Each run counts against its own `x-run` value: a window of its own, without waiting a minute.
      {
        path: "/limited/*",
        pool: "p",
        rateLimit: { limit: REQUEST_LIMIT, windowSeconds: WINDOW_SECONDS, by: "header:x-run" },
      },
      { path: "/steady/*", pool: "p", rateLimit: { limit: 100_000_000, windowSeconds: WINDOW_SECONDS } },
      { path: "/plain/*", pool: "p" },
    ],
  };
  const aya = await startAya(bench.script, gateway);
  try {
    const out: LimitsRuns = { requests: [], tokens: [], budget: [], steady: [] };
    const seconds = bench.plan.shortSeconds;
    await repeat(bench.plan.runs, async (i) => {
      bench.progress(`limits: ${CLIENTS} clients, round ${i + 1}/${bench.plan.runs}`);
      await withinOneWindow(seconds);
      const run = `run-${Date.now()}-${i}`;
      out.requests.push(
        await clients(aya, seconds, REQUEST_LIMIT, () =>
          fetch(`${aya.url}/limited/x`, { headers: { "x-run": run } }).then(status),
        ),
      );
      await withinOneWindow(seconds);
      const tokenKey = await makeKey(aya, `bench-tokens-${Date.now()}-${i}`, "tok");
      out.tokens.push(await clients(aya, seconds, TOKEN_LIMIT, () => chat(aya, tokenKey, "tokens")));
      const budgetKey = await makeKey(aya, `bench-budget-${Date.now()}-${i}`, "spend");
      out.budget.push(await clients(aya, seconds, BUDGET_USD, () => chat(aya, budgetKey, "usd")));
    });
    await repeat(bench.plan.overheadRuns, async (i) => {
      bench.progress(`limits: steady load, round ${i + 1}/${bench.plan.overheadRuns}`);
      const run = (path: string) =>
        load(`${aya.url}${path}`, {
          seconds: bench.plan.seconds,
          connections: bench.plan.connections,
          cpu: { workerd: aya.pid },
        });
      const plain = await run("/plain/x");
      const before = await isolateCounters(aya.url);
      const limited = await run("/steady/x");
      const after = await isolateCounters(aya.url);
      out.steady.push({
        limited,
        plain,
        waits: after.limitWaits - before.limitWaits,
        limitCalls: after.limitCalls - before.limitCalls,
        requests: limited.requests,
      });
    });
    return out;
  } finally {
    await aya.stop();
    await provider.close();
  }
}

interface Answer {
  status: number;
  /** Tokens or dollars this answer used (0 for a refusal). */
  used: number;
}

const status = async (res: Response): Promise<Answer> => {
  await res.arrayBuffer();
  return { status: res.status, used: 0 };
};

async function chat(aya: RunningWorker, key: string, measure: "tokens" | "usd"): Promise<Answer> {
  const res = await fetch(`${aya.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({
      model: "chat",
      max_tokens: MAX_TOKENS,
      messages: [{ role: "user", content: "hi" }],
    }),
  });
  const body = (await res.json()) as { usage?: { prompt_tokens: number; completion_tokens: number } };
  if (res.status !== 200 || !body.usage) return { status: res.status, used: 0 };
  const tokens = body.usage.prompt_tokens + body.usage.completion_tokens;
  return { status: 200, used: measure === "tokens" ? tokens : (tokens * PRICE_PER_1M) / 1e6 };
}

/** `CLIENTS` clients, each sending its next request when its last is answered, for `seconds`. */
async function clients(
  aya: RunningWorker,
  seconds: number,
  bound: number,
  send: () => Promise<Answer>,
): Promise<ClientsRun> {
  const run: ClientsRun = {
    sent: 0,
    accepted: 0,
    refused: 0,
    other: 0,
    used: 0,
    bound,
    limitCalls: 0,
    workerdMs: undefined,
  };
  const before = await isolateCounters(aya.url);
  const meter = cpuMeter({ workerd: aya.pid });
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < until) {
        run.sent += 1;
        try {
          const answer = await send();
          if (answer.status === 200) {
            run.accepted += 1;
            run.used += answer.used;
          } else if (answer.status === 429) run.refused += 1;
          else run.other += 1;
        } catch {
          run.other += 1;
        }
      }
    }),
  );
  run.workerdMs = meter().workerd;
  run.limitCalls = (await isolateCounters(aya.url)).limitCalls - before.limitCalls;
  return run;
}

/** Waits until a fixed window has room for the whole run, so that one run is one window. */
async function withinOneWindow(seconds: number): Promise<void> {
  const windowMs = WINDOW_SECONDS * 1000;
  const left = windowMs - (Date.now() % windowMs);
  if (left < (seconds + 2) * 1000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

async function makeKey(aya: RunningWorker, consumer: string, plan: string): Promise<string> {
  const res = await fetch(`${aya.url}/__aya/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, accept: "text/plain" },
    body: JSON.stringify({ consumer, plan }),
  });
  if (res.status !== 201) throw new Error(`POST /__aya/keys answered ${res.status}`);
  return (await res.text()).trim();
}

export interface LimitFigure {
  sent: Stat;
  accepted: Stat;
  used: Stat;
  bound: number;
  /** Every run at or under its bound. */
  withinBound: boolean;
  /** Answers neither 200 nor 429 (5xx, connection errors), over every run: none expected. */
  other: number;
  limitCallsPerAccepted: Stat;
  workerdMsPerAccepted: Stat;
}

export interface LimitsFigures {
  requests: LimitFigure;
  tokens: LimitFigure;
  budget: LimitFigure;
  steady: {
    /** Takes that waited for a Limits object, per proxied request (target: under 1 in 100). */
    waitsPerRequest: Stat;
    limitCallsPer1000: Stat;
    limitedUs: Stat;
    plainUs: Stat;
    /** Per paired round: workerd µs per request on the limited route over the plain one. */
    addedUs: Stat;
  };
}

function limitFigure(runs: ClientsRun[], used: (r: ClientsRun) => number): LimitFigure {
  return {
    sent: statOf(runs, (r) => r.sent),
    accepted: statOf(runs, (r) => r.accepted),
    used: statOf(runs, used),
    bound: runs[0]?.bound ?? 0,
    // A float sum of dollars may differ from the bound in its last digits.
    withinBound: runs.every((r) => used(r) <= r.bound * (1 + 1e-9)),
    other: runs.reduce((total, r) => total + r.other, 0),
    limitCallsPerAccepted: statOf(runs, (r) => (r.accepted ? r.limitCalls / r.accepted : undefined)),
    workerdMsPerAccepted: statOf(runs, (r) =>
      r.accepted && r.workerdMs !== undefined ? r.workerdMs / r.accepted : undefined,
    ),
  };
}

export function limitsFigures(runs: LimitsRuns): LimitsFigures {
  return {
    requests: limitFigure(runs.requests, (r) => r.accepted),
    tokens: limitFigure(runs.tokens, (r) => r.used),
    budget: limitFigure(runs.budget, (r) => r.used),
    steady: {
      waitsPerRequest: statOf(runs.steady, (s) => (s.requests ? s.waits / s.requests : undefined)),
      limitCallsPer1000: statOf(runs.steady, (s) =>
        s.requests ? (1000 * s.limitCalls) / s.requests : undefined,
      ),
      limitedUs: statOf(runs.steady, (s) => cpuUsPerRequest(s.limited, "workerd")),
      plainUs: statOf(runs.steady, (s) => cpuUsPerRequest(s.plain, "workerd")),
      addedUs: summarise(
        runs.steady.map((s) => {
          const a = cpuUsPerRequest(s.limited, "workerd");
          const b = cpuUsPerRequest(s.plain, "workerd");
          return a === undefined || b === undefined ? undefined : a - b;
        }),
      ),
    },
  };
}

export function limitsJson(f: LimitsFigures) {
  const one = (x: LimitFigure) => ({
    accepted: x.accepted.median,
    used: x.used.median,
    bound: x.bound,
    withinBound: x.withinBound,
    otherAnswers: x.other,
    limitCallsPerAccepted: x.limitCallsPerAccepted.median,
  });
  return {
    requestLimit: one(f.requests),
    tokenLimit: one(f.tokens),
    budget: one(f.budget),
    steadyWaitsPerRequest: f.steady.waitsPerRequest.median,
    steadyLimitCallsPer1000: f.steady.limitCallsPer1000.median,
    steadyAddedUs: f.steady.addedUs.median,
  };
}
