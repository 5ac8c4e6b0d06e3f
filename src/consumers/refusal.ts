// A refusal of the identify and admit stages, as each kind of route answers it: the gateway's JSON
// error (401 `unauthorized` with `WWW-Authenticate: Bearer`, 403 `forbidden`, 429 `rate_limited`,
// 503 `auth_unavailable`) or OpenAI's shape on AI routes (401 `invalid_api_key`, 403
// `model_not_allowed` / `permission_denied`, 429 `rate_limit_exceeded`), which the OpenAI SDKs
// raise as AuthenticationError, PermissionDeniedError and RateLimitError.
import { AiError } from "../ai/errors";
import { GatewayError } from "../errors";
import type { AuthFailure } from "./consumer";

function challenge(failure: AuthFailure): Record<string, string> {
  if (failure.status === 401)
    return {
      "www-authenticate": failure.presented
        ? 'Bearer realm="aya", error="invalid_token"'
        : 'Bearer realm="aya"',
    };
  if (failure.retryAfterSeconds !== undefined) return { "retry-after": String(failure.retryAfterSeconds) };
  return {};
}

export function gatewayRefusal(failure: AuthFailure): GatewayError {
  const code =
    failure.status === 401
      ? "unauthorized"
      : failure.status === 403
        ? "forbidden"
        : failure.status === 429
          ? "rate_limited"
          : "auth_unavailable";
  return new GatewayError(code, failure.message, undefined, challenge(failure));
}

export function aiRefusal(failure: AuthFailure): AiError {
  const [type, code] =
    failure.status === 401
      ? ["invalid_request_error", "invalid_api_key"]
      : failure.kind === "model_not_allowed"
        ? ["invalid_request_error", "model_not_allowed"]
        : failure.status === 403
          ? ["invalid_request_error", "permission_denied"]
          : failure.status === 429
            ? ["rate_limit_error", "rate_limit_exceeded"]
            : ["server_error", "auth_unavailable"];
  return new AiError(
    failure.status,
    failure.message,
    type,
    code,
    null,
    failure.retryAfterSeconds,
    challenge(failure),
  );
}
