// What an AI request costs: from the provider's usage (prompt, cached prompt and completion
// tokens) and the target's prices per million tokens; before the call, its worst case (the prompt
// estimated at four characters a token, and every token it may generate at the dearest target's
// output price), which a budget reserves. A provider that reports no usage is estimated the same
// way from the text that went each way, and flagged.
export interface Prices {
  inputCostPer1M?: number;
  outputCostPer1M?: number;
  cachedInputCostPer1M?: number;
}

export interface TokenUsage {
  prompt: number;
  completion: number;
  /** Of the prompt, tokens the provider served from its prompt cache. */
  cached?: number;
}

/** A chat request's own output cap, when it gives none and a budget or token limit needs one. */
export const DEFAULT_MAX_TOKENS = 4096;

export const tokensOfText = (chars: number) => Math.ceil(chars / 4);

export function costOf(usage: TokenUsage, prices: Prices): number {
  const cached = Math.min(usage.cached ?? 0, usage.prompt);
  const cachedPrice = prices.cachedInputCostPer1M ?? prices.inputCostPer1M ?? 0;
  return (
    ((usage.prompt - cached) * (prices.inputCostPer1M ?? 0) +
      cached * cachedPrice +
      usage.completion * (prices.outputCostPer1M ?? 0)) /
    1e6
  );
}

/** The most a request can cost on any of its targets (fallback may land on the dearest). */
export function worstCaseCost(promptTokens: number, maxTokens: number, targets: readonly Prices[]): number {
  let worst = 0;
  for (const t of targets)
    worst = Math.max(worst, costOf({ prompt: promptTokens, completion: maxTokens }, t));
  return worst;
}
