// From the request's `model` to the ordered list of targets to try: an alias from `models`
// (ordered by its strategy), or `provider/model` to address one provider directly.
import type { Backend, Gateway, ModelConfig, ProviderConfig } from "../config/normalize";
import type { StateStore } from "../state/types";
import { AiError } from "./errors";
import { type ChatRequest, textOf } from "./openai-types";

export interface ResolvedTarget {
  provider: ProviderConfig;
  backend: Backend;
  model: string;
  inputCostPer1M?: number;
  outputCostPer1M?: number;
  cachedInputCostPer1M?: number;
}

export function resolveTargets(
  gateway: Gateway,
  model: string,
): { targets: ResolvedTarget[]; strategy: ModelConfig["strategy"] } {
  const alias = gateway.models.get(model);
  const toTarget = (
    provider: string,
    name: string,
    extra: Partial<ResolvedTarget> = {},
  ): ResolvedTarget | undefined => {
    const p = gateway.providers.get(provider);
    const backend = gateway.backends.get(provider);
    return p && backend ? { provider: p, backend, model: name, ...extra } : undefined;
  };
  if (alias) {
    const targets = alias.targets
      .map((t) =>
        toTarget(t.provider, t.model, {
          inputCostPer1M: t.inputCostPer1M,
          outputCostPer1M: t.outputCostPer1M,
          cachedInputCostPer1M: t.cachedInputCostPer1M,
        }),
      )
      .filter((t): t is ResolvedTarget => t !== undefined);
    return { targets, strategy: alias.strategy };
  }
  const slash = model.indexOf("/");
  const direct = slash > 0 ? toTarget(model.slice(0, slash), model.slice(slash + 1)) : undefined;
  if (direct) return { targets: [direct], strategy: "fallback" };
  throw new AiError(
    404,
    `The model \`${model}\` does not exist: use an alias from GET /models or provider/model`,
    "invalid_request_error",
    "model_not_found",
    "model",
  );
}

/**
 * Token usage is counted per model only for the models the config names (alias targets); a
 * model a client names directly (`provider/anything`) is counted under OTHER_MODELS, so the
 * usage tables, and /__aya/status, cannot be grown without bound by clients.
 */
export const OTHER_MODELS = "(other models)";

const configuredPairs = new WeakMap<Gateway, Set<string>>();

export function usageModel(gateway: Gateway, target: Pick<ResolvedTarget, "provider" | "model">): string {
  let pairs = configuredPairs.get(gateway);
  if (!pairs) {
    pairs = new Set();
    for (const m of gateway.models.values())
      for (const t of m.targets) pairs.add(`${t.provider}\n${t.model}`);
    configuredPairs.set(gateway, pairs);
  }
  return pairs.has(`${target.provider.name}\n${target.model}`) ? target.model : OTHER_MODELS;
}

/** Weights of each alias target, by the index they have in the config. */
function weightsOf(gateway: Gateway, model: string): number[] {
  return gateway.models.get(model)?.targets.map((t) => t.weight) ?? [];
}

/** Rough token count: about four characters a token, what the price comparison needs. */
export function estimateTokens(req: Pick<ChatRequest, "messages">): number {
  let chars = 0;
  for (const m of req.messages) chars += textOf(m.content).length;
  return Math.ceil(chars / 4);
}

export function orderTargets(
  gateway: Gateway,
  model: string,
  resolved: { targets: ResolvedTarget[]; strategy: ModelConfig["strategy"] },
  req: Pick<ChatRequest, "messages" | "max_tokens" | "max_completion_tokens">,
  state: StateStore,
  now: number,
  random: () => number,
): ResolvedTarget[] {
  const { targets, strategy } = resolved;
  if (strategy === "weighted") {
    const weights = weightsOf(gateway, model);
    const pool = targets.map((t, i) => ({ t, w: weights[i] ?? 1 }));
    const out: ResolvedTarget[] = [];
    // Weighted sampling without replacement: the first pick follows the weights, the rest are fallbacks.
    while (pool.length) {
      const total = pool.reduce((a, p) => a + p.w, 0);
      let at = random() * total;
      const i = pool.findIndex((p) => {
        at -= p.w;
        return at < 0;
      });
      const [picked] = pool.splice(i < 0 ? pool.length - 1 : i, 1);
      if (picked) out.push(picked.t);
    }
    return out;
  }
  if (strategy === "least-latency") {
    // No sample yet scores 0: an unmeasured provider is tried, which is how it gets measured.
    const latency = (t: ResolvedTarget) => state.view(t.backend, now).ewmaLatencyMs;
    return [...targets].sort((a, b) => latency(a) - latency(b));
  }
  if (strategy === "least-cost") {
    const input = estimateTokens(req);
    const output = req.max_completion_tokens ?? req.max_tokens ?? 256;
    const cost = (t: ResolvedTarget) =>
      t.inputCostPer1M === undefined && t.outputCostPer1M === undefined
        ? Number.POSITIVE_INFINITY
        : (input * (t.inputCostPer1M ?? 0) + output * (t.outputCostPer1M ?? 0)) / 1e6;
    return [...targets].sort((a, b) => cost(a) - cost(b));
  }
  return targets;
}
