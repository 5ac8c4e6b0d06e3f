// A request over a limit, as each kind of route answers it: 429 `rate_limited` or
// `budget_exceeded` on HTTP routes, OpenAI's 429 `rate_limit_exceeded` or `insufficient_quota` on
// AI routes (the SDKs' RateLimitError), always with Retry-After and the x-ratelimit-* headers.
import { AiError } from "../ai/errors";
import { GatewayError } from "../errors";
import type { LimitFailure } from "./admit";

export function gatewayLimitRefusal(failure: LimitFailure, headers: Record<string, string>): GatewayError {
  return new GatewayError(
    failure.kind === "budget" ? "budget_exceeded" : "rate_limited",
    failure.message,
    undefined,
    {
      ...headers,
      "retry-after": String(failure.retryAfterSeconds),
    },
  );
}

export function aiLimitRefusal(failure: LimitFailure, headers: Record<string, string>): AiError {
  const [type, code] =
    failure.kind === "budget"
      ? ["insufficient_quota", "insufficient_quota"]
      : [failure.kind === "tokens" ? "tokens" : "requests", "rate_limit_exceeded"];
  return new AiError(429, failure.message, type, code, null, failure.retryAfterSeconds, headers);
}
