// Who is calling: what identification (a key, a JWT, a static consumer) establishes, and what
// every later stage reads (limits, usage, the log line, the backend's x-aya-consumer).
import type { Limits } from "../config/plan-schema";

export interface Consumer {
  id: string;
  /** How it was identified: `key` (runtime), `static`, or `jwt:<issuer>`. */
  via: string;
  /** A runtime key's id (for limits and the ledger). */
  keyId?: string;
  plan?: string;
  /** Model aliases, `provider/model` or `provider/*` it may use; absent: any. */
  models?: string[];
  /** Route path patterns it may call; absent: any route with auth. */
  routes?: string[];
  /** A key's overrides of its plan. */
  limits?: Limits;
}

/** Why a request was refused before any backend or provider was called. */
export interface AuthFailure {
  status: 401 | 403 | 429 | 503;
  /** For AI routes: which 403 (a model outside the consumer's, or anything else). */
  kind: "unauthorized" | "forbidden" | "model_not_allowed" | "throttled" | "unavailable";
  message: string;
  retryAfterSeconds?: number;
  /** A credential was presented (401 then says `error="invalid_token"`, RFC 6750). */
  presented?: boolean;
}

/** Whether a consumer may use `model` as the client named it (an alias or provider/model). */
export function modelAllowed(patterns: readonly string[] | undefined, model: string): boolean {
  if (!patterns) return true;
  return patterns.some((p) => p === model || (p.endsWith("/*") && model.startsWith(p.slice(0, -1))));
}
