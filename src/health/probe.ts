// Active health probes, HTTP or TCP, shared by the cron trigger and Durable Object alarms.
// A probe never throws: every failure (refused, timeout, wrong status, wrong body) is a result
// with its reason, so one bad backend cannot break the probing of the others.
import { connect } from "cloudflare:sockets";
import { type Clock, systemClock } from "../clock";
import type { HealthCheck } from "../config/normalize";
import type { ProbeResult } from "./result";

export type { ProbeResult } from "./result";

export interface ProbeTarget {
  url: string;
  healthCheck: HealthCheck;
}

/**
 * `now` and `timers` are the caller's clock (the BackendState object passes its own `now`); the
 * timeout runs on `timers`, so a test can move it by hand.
 */
export async function probe(
  target: ProbeTarget,
  now: () => number = systemClock.now,
  timers: Pick<Clock, "setTimer"> = systemClock,
): Promise<ProbeResult> {
  const started = now();
  const abort = new AbortController();
  try {
    const check = target.healthCheck.type === "tcp" ? probeTcp(target) : probeHttp(target, abort.signal);
    const outcome = await withTimeout(check, target.healthCheck.timeoutMs, abort, timers);
    return { at: started, latencyMs: now() - started, ...outcome };
  } catch (error) {
    const message =
      error instanceof ProbeTimeout ? `timeout after ${target.healthCheck.timeoutMs} ms` : describe(error);
    return { at: started, ok: false, latencyMs: now() - started, error: message };
  }
}

async function probeHttp(
  target: ProbeTarget,
  signal: AbortSignal,
): Promise<Omit<ProbeResult, "at" | "latencyMs">> {
  const hc = target.healthCheck;
  const response = await fetch(`${target.url}${hc.path}`, {
    method: hc.method,
    headers: { "user-agent": "aya-health-check", ...hc.headers },
    redirect: "manual",
    signal,
  });
  const status = response.status;
  const statusOk =
    hc.expectedStatus.length > 0 ? hc.expectedStatus.includes(status) : status >= 200 && status < 300;
  if (!statusOk) {
    await response.body?.cancel();
    return { ok: false, status, error: `unexpected status ${status}` };
  }
  if (hc.expectedBody !== undefined) {
    const text = await response.text();
    if (!text.includes(hc.expectedBody))
      return { ok: false, status, error: "body does not contain the expected text" };
  } else {
    await response.body?.cancel();
  }
  return { ok: true, status };
}

async function probeTcp(target: ProbeTarget): Promise<Omit<ProbeResult, "at" | "latencyMs">> {
  const url = new URL(target.url);
  const port = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
  const socket = connect({ hostname: url.hostname, port });
  try {
    await socket.opened;
    return { ok: true };
  } finally {
    socket.close().catch(() => undefined);
  }
}

class ProbeTimeout extends Error {}

function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  abort: AbortController,
  timers: Pick<Clock, "setTimer">,
): Promise<T> {
  // The loser of the race must not surface later as an unhandled rejection.
  work.catch(() => undefined);
  let cancel: (() => void) | undefined;
  const timeout = new Promise<never>((_, reject) => {
    cancel = timers.setTimer(ms, () => {
      reject(new ProbeTimeout());
      abort.abort();
    });
  });
  return Promise.race([work, timeout]).finally(() => cancel?.());
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Keep the reason short and free of URLs (which could carry a token in a query string).
  return message.replace(/https?:\/\/\S+/g, "<url>").slice(0, 200);
}
