// One error type for everything the gateway itself answers. Thrown (or returned) anywhere,
// rendered in one place: JSON `{ error: { code, message, requestId } }` on gateway routes, the
// OpenAI shape on AI routes (src/ai/errors.ts).
import { markError } from "./observability/error-code";

export type ErrorCode =
  | "bad_request"
  | "no_route"
  | "payload_too_large"
  | "headers_too_large"
  | "unauthorized"
  | "forbidden"
  | "rate_limited"
  | "budget_exceeded"
  | "auth_unavailable"
  | "limits_unavailable"
  | "invalid_config"
  | "upstream_error"
  | "no_healthy_backend"
  | "upstream_timeout";

const statusOf: Record<ErrorCode, number> = {
  bad_request: 400,
  forbidden: 403,
  budget_exceeded: 429,
  auth_unavailable: 503,
  limits_unavailable: 503,
  no_route: 404,
  payload_too_large: 413,
  headers_too_large: 431,
  unauthorized: 401,
  rate_limited: 429,
  invalid_config: 500,
  upstream_error: 502,
  no_healthy_backend: 503,
  upstream_timeout: 504,
};

export class GatewayError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Headers the answer needs (WWW-Authenticate on a 401, Retry-After on a 429). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.status = statusOf[code];
  }

  toResponse(requestId: string, headers?: HeadersInit): Response {
    const body = { error: { code: this.code, message: this.message, requestId, ...this.details } };
    const response = Response.json(body, {
      status: this.status,
      headers: { ...this.headers, ...Object.fromEntries(new Headers(headers)) },
    });
    response.headers.set("x-request-id", requestId);
    return markError(response, this.code);
  }
}
