// A request over a limit, as each kind of route answers it: 429 `rate_limited` or
// `budget_exceeded` on HTTP routes, OpenAI's 429 `rate_limit_exceeded` or `insufficient_quota` on
// AI routes (the SDKs' RateLimitError), always with Retry-After and the x-ratelimit-* headers.
import { AiError } from "../ai/errors";
import { GatewayError } from "../errors";
import type { LimitFailure } from "./admit";

export function gatewayLimitRefusal(failure: LimitFailure, headers: Record<string, string>): GatewayError {
  return new GatewayError(
    failure.kind === "budget"
      ? "budget_exceeded"
      : failure.kind === "unavailable"
        ? "limits_unavailable"
        : "rate_limited",
    failure.message,
    undefined,
    {
      ...headers,
      "retry-after": String(failure.retryAfterSeconds),
    },
  );
}

/**
 * The OpenAI SDKs sleep for a 429's whole Retry-After before they retry; past a minute (a budget
 * spent for the day, a long window) `x-should-retry: false` tells them to give up instead.
 */
const SDK_WAIT_SECONDS = 60;

export function aiLimitRefusal(failure: LimitFailure, headers: Record<string, string>): AiError {
  if (failure.kind === "unavailable")
    return new AiError(
      503,
      failure.message,
      "server_error",
      "limits_unavailable",
      null,
      failure.retryAfterSeconds,
      headers,
    );
  const [type, code] =
    failure.kind === "budget"
      ? ["insufficient_quota", "insufficient_quota"]
      : [failure.kind === "tokens" ? "tokens" : "requests", "rate_limit_exceeded"];
  return new AiError(429, failure.message, type, code, null, failure.retryAfterSeconds, {
    ...headers,
    ...(failure.retryAfterSeconds > SDK_WAIT_SECONDS ? { "x-should-retry": "false" } : {}),
  });
}
