// Which OpenAI chat parameters a provider can honour. Each non-OpenAI adapter keeps one table,
// parameter → rule, and `checkParams` applies it before translating: a parameter the provider
// cannot honour is an OpenAI-shaped 400 naming it, never silently dropped. A parameter that is
// in no table is refused too (OpenAI itself refuses parameters it does not know). Null and
// undefined count as absent.
import { unsupported } from "../errors";
import type { ChatRequest } from "../openai-types";

/**
 * - `"translated"`: the adapter maps it to the provider's own field.
 * - `"ignored"`: dropped, allowed only where dropping cannot change the answer (say why).
 * - `"refused"`: always a 400.
 * - a check: honoured for some values only; returns true, or why the value is refused.
 */
export type ParamRule =
  | "translated"
  | "ignored"
  | "refused"
  | ((value: unknown, req: ChatRequest) => true | string);

export type ParamTable = Readonly<Record<string, ParamRule>>;

export function checkParams(provider: string, req: ChatRequest, table: ParamTable): void {
  for (const [param, value] of Object.entries(req)) {
    if (value === null || value === undefined) continue;
    const rule = table[param] ?? "refused";
    if (rule === "refused") throw unsupported(provider, param);
    if (typeof rule === "function") {
      const verdict = rule(value, req);
      if (verdict !== true) throw unsupported(provider, param, verdict);
    }
  }
}

/** Honoured only at OpenAI's default, which is what the provider does anyway. */
export const onlyDefault =
  (expected: unknown): ParamRule =>
  (value) =>
    JSON.stringify(value) === JSON.stringify(expected) || `only ${JSON.stringify(expected)} is possible`;

/** Parameters every adapter handles the same way. */
export const commonParams: ParamTable = {
  model: "translated",
  messages: "translated",
  stream: "translated",
  // The gateway always asks for usage and every adapter reports it; the gateway then passes the
  // usage chunk on only when the client asked (include_usage).
  stream_options: "translated",
  max_tokens: "translated",
  max_completion_tokens: "translated",
  tools: "translated",
  // OpenAI-side storage of the completion for evals and distillation: generation is the same.
  store: "ignored",
  // Tags for stored completions, never seen by the model.
  metadata: "ignored",
  // Latency and price tier: the same answer, sooner or later.
  service_tier: "ignored",
  // Predicted outputs only speed decoding up; the answer is the same without them.
  prediction: "ignored",
  // Routing hints for OpenAI's prompt cache.
  prompt_cache_key: "ignored",
  prompt_cache_retention: "ignored",
  modalities: onlyDefault(["text"]),
  logprobs: onlyDefault(false),
  top_logprobs: onlyDefault(0),
  logit_bias: (value) =>
    Object.keys(value as Record<string, number>).length === 0 || "token ids are OpenAI's own",
};
