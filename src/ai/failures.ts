// What an AI request's client is told when no target answered, the same case answering the same
// status as on HTTP routes (CONTRACT §2, proxy/failures.ts), most telling first:
//  1. the client's own mistake a provider could not honour (400), a missing secret (500), or 429
//     while every target is cooling down after a provider's Retry-After;
//  2. a provider's own error answer, the last one: its status as it is, except aya's key being
//     refused (401/403) or a redirect, which are 502 upstream_error;
//  3. else 504 upstream_timeout when a provider timed out;
//  4. else 502 upstream_error when a provider was reached and failed otherwise;
//  5. else 503 no_healthy_backend: no target usable or reachable.
// Provider text is redacted before it is kept: it may echo the key (redact.ts).
import type { ProviderConfig } from "../config/normalize";
import { AiError } from "./errors";
import type { Redactor } from "./redact";
import type { SendResult } from "./send";

/** A provider's Retry-After is honoured up to this long (a bogus value must not bench it for days). */
export const MAX_RETRY_AFTER_SECONDS = 3600;

type Rank = "client" | "secret" | "cooldown" | "answer" | "timeout" | "broken" | "unreachable";
const ORDER: Rank[] = ["client", "secret", "cooldown", "answer", "timeout", "broken", "unreachable"];

export class AiFailures {
  private readonly seen: { rank: Rank; error: AiError }[] = [];

  add(rank: Rank, error: AiError): void {
    this.seen.push({ rank, error });
  }

  /**
   * The error to answer with: the most telling rank; within it the last provider answer (as an
   * HTTP route passes on the last backend answer), else the first target's failure.
   */
  final(): AiError {
    for (const rank of ORDER) {
      const ofRank = this.seen.filter((f) => f.rank === rank);
      const pick = rank === "answer" ? ofRank.at(-1) : ofRank[0];
      if (pick) return pick.error;
    }
    return new AiError(503, "no provider is configured for this model", "server_error", "no_healthy_backend");
  }
}

export const unusable = (provider: ProviderConfig) =>
  new AiError(503, `provider ${provider.name} is unavailable`, "server_error", "no_healthy_backend");

/** A target still cooling down after its 429: the client may ask again once it is over. */
export const coolingDown = (provider: ProviderConfig, seconds: number) =>
  new AiError(
    429,
    `provider ${provider.name} is rate limited; retry after ${seconds} s`,
    "rate_limit_error",
    "rate_limited",
    null,
    seconds,
  );

/** A call that got no answer: its rank and error. */
export function sendFailure(
  provider: ProviderConfig,
  result: Exclude<SendResult, { kind: "response" }>,
): { rank: Rank; error: AiError } {
  if (result.kind === "timeout")
    return {
      rank: "timeout",
      error: new AiError(
        504,
        `provider ${provider.name} did not answer in time`,
        "server_error",
        "upstream_timeout",
      ),
    };
  if (result.kind === "lost")
    return {
      rank: "unreachable",
      error: new AiError(
        503,
        `provider ${provider.name} could not be reached`,
        "server_error",
        "no_healthy_backend",
      ),
    };
  return {
    rank: "broken",
    error: new AiError(
      502,
      result.kind === "unsent"
        ? `the request to provider ${provider.name} could not be sent`
        : `provider ${provider.name} failed without a valid answer`,
      "server_error",
      "upstream_error",
    ),
  };
}

/** A provider answer that could not be read (a bad body, a stream that broke before its first event). */
export const unreadable = (provider: ProviderConfig) =>
  new AiError(
    502,
    `provider ${provider.name} sent an answer that could not be read`,
    "server_error",
    "upstream_error",
  );

export interface ProviderErrorAnswer {
  error: AiError;
  /** Another target may be tried (the client's own mistakes are answered at once). */
  retryable: boolean;
  /** A 429's Retry-After, capped, in ms; 0 when none. */
  retryAfterMs: number;
}

const RETRY_STATUSES = new Set([408, 429]);

/** A provider's non-2xx answer as the client may see it. Consumes or cancels the body. */
export async function providerErrorAnswer(
  upstream: Response,
  provider: ProviderConfig,
  errorMessage: (body: unknown) => string | undefined,
  redact: Redactor,
  now: number,
): Promise<ProviderErrorAnswer> {
  const status = upstream.status;
  if (status < 400 || status === 401 || status === 403) {
    // Never the provider's own words here: a refused key is the answer most likely to echo it.
    await upstream.body?.cancel();
    const message =
      status < 400
        ? `provider ${provider.name} answered a redirect (${status}); provider calls never follow redirects`
        : `provider ${provider.name} refused the gateway's credentials (${status})`;
    return {
      error: new AiError(502, message, "server_error", "upstream_error"),
      retryable: true,
      retryAfterMs: 0,
    };
  }
  const body = await upstream.json().catch(() => null);
  const message = redact(errorMessage(body) ?? `provider ${provider.name} answered ${status}`);
  const code = codeOf(body);
  const retryAfterMs = status === 429 ? retryAfterMsOf(upstream.headers.get("retry-after"), now) : 0;
  return {
    error: new AiError(
      status,
      message,
      errorType(status),
      code === null ? null : redact(code),
      null,
      retryAfterMs > 0 ? Math.ceil(retryAfterMs / 1000) : undefined,
    ),
    retryable: status >= 500 || RETRY_STATUSES.has(status),
    retryAfterMs,
  };
}

/** Retry-After in seconds or as an HTTP date, in ms, at most MAX_RETRY_AFTER_SECONDS; 0 when absent or unreadable. */
export function retryAfterMsOf(value: string | null, now: number): number {
  if (!value) return 0;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now;
  if (!Number.isFinite(ms)) return 0;
  return Math.min(Math.max(0, ms), MAX_RETRY_AFTER_SECONDS * 1000);
}

function errorType(status: number): string {
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

/** The provider's error code: OpenAI's `code`, else Gemini's `status` (its `code` is the HTTP number), else a `type`. */
function codeOf(body: unknown): string | null {
  const error = (body as { error?: { code?: unknown; type?: unknown; status?: unknown } } | null)?.error;
  for (const code of [error?.code, error?.status, error?.type]) if (typeof code === "string") return code;
  return null;
}
