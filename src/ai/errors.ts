// Errors on AI routes use OpenAI's shape, so that OpenAI SDKs raise their own typed errors:
// `{ "error": { "message", "type", "code" } }`. Never a credential, never a stack trace.
import { markError } from "../observability/error-code";

export class AiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
    /** Sent as Retry-After: when a rate-limited client may ask again. */
    readonly retryAfterSeconds?: number,
    /** Other headers the answer needs (WWW-Authenticate on a 401). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  toResponse(requestId: string, headers?: HeadersInit): Response {
    const res = Response.json(
      { error: { message: this.message, type: this.type, code: this.code, param: this.param } },
      { status: this.status, headers },
    );
    res.headers.set("x-request-id", requestId);
    for (const [name, value] of Object.entries(this.headers ?? {})) res.headers.set(name, value);
    if (this.retryAfterSeconds !== undefined) res.headers.set("retry-after", String(this.retryAfterSeconds));
    return markError(res, this.code ?? this.type);
  }
}

export const badRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new AiError(400, message, "invalid_request_error", code, param);

/** A parameter (or one of its values) the provider cannot honour: refused, never silently dropped. */
export const unsupported = (provider: string, param: string, why?: string) =>
  badRequest(
    why ? `${param} is not supported by ${provider}: ${why}` : `${param} is not supported by ${provider}`,
    param,
    "unsupported_parameter",
  );
