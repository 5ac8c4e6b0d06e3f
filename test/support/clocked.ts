// The real app with a clock the test moves: for behaviour that depends on time (snapshot
// refresh, cache freshness, deadlines, stream idle timeouts) without sleeping. The clock is a
// ManualClock: its timers fire only when the test advances it, and its randomness is seeded. The
// app gets its own retry budget and affinity pins, so tests do not share them.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { createApp, replicatedDeps } from "../../src/app";
import { isolateState } from "../../src/state/isolate";
import { Replication } from "../../src/state/sync";
import { clockedLimits } from "./clocked-limits";
import { clockedRelays } from "./clocked-relays";
import { ManualClock } from "./manual-clock";

export interface ClockedResponse {
  status: number;
  body: string;
  headers: Headers;
  backend: string | null;
  attempts: string | null;
  cache: string | null;
}

/** The real app with a clock the test moves, and the env it runs with. */
export function clockedApp(
  config: unknown,
  relays?: unknown,
  extraEnv: Record<string, unknown> = {},
  seed = 1,
  /** The ConfigOverlay object this app reads (tests that change the overlay give theirs a name). */
  overlayName?: string,
) {
  const clock = new ManualClock(Date.now(), seed);
  relays ??= clockedRelays(clock);
  const sync = new Replication(clock, isolateState);
  const app = createApp(replicatedDeps(clock, isolateState, sync, overlayName));
  return {
    app,
    sync,
    clock,
    testEnv: { ...env, LIMITS: clockedLimits(clock), ...extraEnv, RELAY: relays, GATEWAY: config },
    /** Moves the clock, firing the timers that fall due. */
    advance: (ms: number) => clock.advance(ms),
  };
}

export function clockedGateway(
  config: unknown,
  relays?: unknown,
  extraEnv: Record<string, unknown> = {},
  overlayName?: string,
) {
  const { app, sync, clock, testEnv, advance } = clockedApp(config, relays, extraEnv, 1, overlayName);
  return {
    sync,
    clock,
    advance,
    /** `path` on https://gw.example, or an absolute URL for another host. */
    async call(path: string, init: RequestInit = {}): Promise<ClockedResponse> {
      const ctx = createExecutionContext();
      const headers = new Headers(init.headers);
      if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", "203.0.113.7");
      const res = await app.fetch(
        new Request(/^https?:\/\//.test(path) ? path : `https://gw.example${path}`, { ...init, headers }),
        testEnv,
        ctx,
      );
      const body = await res.text();
      await waitOnExecutionContext(ctx);
      return {
        status: res.status,
        body,
        headers: res.headers,
        backend: res.headers.get("x-aya-backend"),
        attempts: res.headers.get("x-aya-attempts"),
        cache: res.headers.get("x-aya-cache"),
      };
    },
  };
}
