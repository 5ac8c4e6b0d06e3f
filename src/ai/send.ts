// One call to a provider: its own fetch (or the AI binding), a deadline on the clock for the
// answer's headers, and redirects never followed (a 3xx comes back as an answer, so the key is
// never re-sent to another host). Failures are classified as on HTTP routes (proxy/attempt.ts).
import type { Clock } from "../clock";
import { failureKind } from "../proxy/attempt";
import { deadline } from "../proxy/deadline";
import { AiError } from "./errors";
import type { Adapter, UpstreamRequest } from "./providers/types";

export type SendResult =
  | { kind: "response"; response: Response }
  | { kind: "timeout" }
  | { kind: "lost" | "broken" | "unsent"; message: string };

export async function send(
  adapter: Adapter,
  request: UpstreamRequest,
  env: Record<string, unknown>,
  timeoutMs: number,
  clock: Clock,
): Promise<SendResult> {
  const limit = deadline(clock, timeoutMs);
  try {
    const work = adapter.send
      ? adapter.send(request, env)
      : fetch(request.url, { ...request.init, signal: limit.signal, redirect: "manual" });
    // The AI binding takes no signal: the race ends the wait for it all the same (and, being
    // in the race, its later rejection is handled).
    const response = await Promise.race([
      work,
      new Promise<never>((_, reject) =>
        limit.signal.addEventListener("abort", () => reject(new Error("timeout"))),
      ),
    ]);
    return { kind: "response", response };
  } catch (error) {
    if (error instanceof AiError) throw error;
    if (limit.expired()) return { kind: "timeout" };
    return { kind: failureKind(error), message: error instanceof Error ? error.message : "network error" };
  } finally {
    limit.clear();
  }
}
