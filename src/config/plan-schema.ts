// Plans (CONTRACT §8): what a consumer may spend, by name. A key or a JWT claim names a plan, and a
// key may override any of its fields (`limits`), so the same fields, all optional, make both.
import { z } from "zod";
import { positiveInt } from "./primitives";

const windowed = z.strictObject({ limit: positiveInt, windowSeconds: positiveInt.max(86_400).default(60) });

export const planFields = {
  /** Requests per window, per consumer, across every location. */
  requests: windowed.optional(),
  /** AI prompt + completion tokens per window. */
  tokens: windowed.optional(),
  /** Requests in flight at once, globally. */
  concurrency: positiveInt.optional(),
  budget: z
    .strictObject({
      usd: z.number().positive(),
      period: z.enum(["day", "week", "month", "total"]).default("month"),
    })
    .optional(),
  /** Caps `max_tokens` / `max_completion_tokens` (a larger ask is a 400). */
  maxTokensPerRequest: positiveInt.optional(),
  /** Caps `n` (a larger ask is a 400). */
  maxN: positiveInt.optional(),
  /** Model aliases or `provider/*` patterns the consumer may use. */
  models: z.array(z.string().min(1)).optional(),
};

export const planSchema = z.strictObject(planFields);
export type Plan = z.output<typeof planSchema>;

/** A key's overrides of its plan: the same fields. */
export const limitsSchema = planSchema;
export type Limits = Plan;

/**
 * A route's own request limit, anonymous traffic included: per client IP (cf-connecting-ip), per
 * consumer (its IP when anonymous) or per value of a header.
 */
export const rateLimitSchema = z.strictObject({
  limit: positiveInt,
  windowSeconds: positiveInt.max(86_400).default(60),
  by: z
    .string()
    .regex(/^(ip|consumer|header:[A-Za-z0-9-]+)$/, "must be ip, consumer or header:NAME")
    .default("ip"),
});
export type RateLimit = z.output<typeof rateLimitSchema>;
