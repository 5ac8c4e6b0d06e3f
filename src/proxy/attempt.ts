// One attempt: a fetch to one backend with a per-attempt timeout that covers the wait for
// response headers only (a long streamed body is not cut), classified into what the client and
// the breaker need to know about it. The caller's own signal (`init.signal`: an upload cut for
// size) aborts the fetch as well.
import type { Clock } from "../clock";
import { deadline } from "./deadline";

export type AttemptResult =
  | { kind: "response"; response: Response; latencyMs: number }
  | { kind: "timeout"; latencyMs: number }
  /**
   * The connection was refused, or lost before any answer. workerd raises the same retryable error
   * for both (a backend that reads the request and then resets the connection looks exactly like
   * one that refuses it), so neither can be taken as "never reached".
   */
  | { kind: "lost"; latencyMs: number; message: string }
  /** The backend was reached and failed otherwise: an answer that is not HTTP, a TLS failure. */
  | { kind: "broken"; latencyMs: number; message: string }
  /** Raised before anything was sent: the request could not be made; nothing about the backend. */
  | { kind: "unsent"; latencyMs: number; message: string };

export async function attempt(
  url: string,
  init: RequestInit,
  timeoutMs: number,
  clock: Clock,
): Promise<AttemptResult> {
  const started = clock.now();
  const limit = deadline(clock, timeoutMs);
  try {
    const signal = init.signal ? AbortSignal.any([init.signal, limit.signal]) : limit.signal;
    const response = await fetch(url, { ...init, signal, redirect: "manual" });
    return { kind: "response", response, latencyMs: clock.now() - started };
  } catch (error) {
    const latencyMs = clock.now() - started;
    if (limit.expired()) return { kind: "timeout", latencyMs };
    return { kind: failureKind(error), latencyMs, message: messageOf(error) };
  } finally {
    limit.clear();
  }
}

/** workerd marks connection failures `retryable`; a TypeError is fetch refusing the request itself. */
export function failureKind(error: unknown): "lost" | "broken" | "unsent" {
  if ((error as { retryable?: unknown } | null)?.retryable === true) return "lost";
  if (error instanceof TypeError) return "unsent";
  return "broken";
}

function messageOf(error: unknown): string {
  return error instanceof Error && error.message ? error.message : "network error";
}
