// The rate-limit headers of every answer of a limited route, as OpenAI names them:
// x-ratelimit-limit-requests, -remaining-requests, -reset-requests, and the same for -tokens where
// a token limit applies. Reset is a duration in OpenAI's notation ("1s", "6m0s", "20ms").
import { mutable } from "../proxy/headers";

export interface RateState {
  limit: number;
  remaining: number;
  /** When the window starts again (ms). */
  resetAt: number;
}

export function resetText(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const total = Math.ceil(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}

export function rateHeaders(
  now: number,
  requests: RateState | undefined,
  tokens: RateState | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, state] of [
    ["requests", requests],
    ["tokens", tokens],
  ] as const) {
    if (!state) continue;
    out[`x-ratelimit-limit-${name}`] = String(state.limit);
    out[`x-ratelimit-remaining-${name}`] = String(Math.max(0, Math.floor(state.remaining)));
    out[`x-ratelimit-reset-${name}`] = resetText(state.resetAt - now);
  }
  return out;
}

/** Sets headers on an answer whose headers may be immutable (a fetch response), copying only then. */
export function withHeaders(response: Response, headers: Record<string, string>): Response {
  const entries = Object.entries(headers);
  if (entries.length === 0) return response;
  const out = mutable(response);
  for (const [name, value] of entries) out.headers.set(name, value);
  return out;
}
