// One attempt: a fetch to one backend with a per-attempt timeout that covers the wait for
// response headers only (a long streamed body is not cut), classified into an outcome.
import type { Clock } from "../clock";
import { deadline } from "./deadline";

export type AttemptResult =
  | { kind: "response"; response: Response; latencyMs: number }
  | { kind: "timeout"; latencyMs: number }
  /** `connect`: workerd says the request can be retried (the connection failed or was lost before an answer). */
  | { kind: "network"; latencyMs: number; connect: boolean; message: string };

export async function attempt(
  url: string,
  init: RequestInit,
  timeoutMs: number,
  clock: Clock,
): Promise<AttemptResult> {
  const now = () => clock.now();
  const started = now();
  const limit = deadline(clock, timeoutMs);
  try {
    const response = await fetch(url, { ...init, signal: limit.signal, redirect: "manual" });
    return { kind: "response", response, latencyMs: now() - started };
  } catch (error) {
    const latencyMs = now() - started;
    if (limit.expired()) return { kind: "timeout", latencyMs };
    const retryable = (error as { retryable?: unknown }).retryable === true;
    return {
      kind: "network",
      latencyMs,
      connect: retryable,
      message: (error as Error).message ?? "network error",
    };
  } finally {
    limit.clear();
  }
}
