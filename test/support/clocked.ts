// The real app with a clock the test moves: for behaviour that depends on time (snapshot
// refresh, cache freshness) without sleeping.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { createApp, defaultDeps } from "../../src/app";
import { type Clock, systemClock } from "../../src/clock";
import { isolateState } from "../../src/state/isolate";
import { type StateNamespace, StateSync } from "../../src/state/sync";

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
  namespace: unknown = env.BACKEND_STATE,
  extraEnv: Record<string, unknown> = {},
) {
  let t = Date.now();
  const clock: Clock = { ...systemClock, now: () => t, random: Math.random };
  const sync = new StateSync(isolateState);
  const app = createApp({
    ...defaultDeps,
    clock,
    prepare: (c, backends) =>
      sync.prepare(namespace as StateNamespace, (p) => c.executionCtx.waitUntil(p), backends, t),
  });
  return {
    app,
    sync,
    testEnv: { ...env, ...extraEnv, GATEWAY: config },
    advance: (ms: number) => {
      t += ms;
    },
  };
}

export function clockedGateway(
  config: unknown,
  namespace: unknown = env.BACKEND_STATE,
  extraEnv: Record<string, unknown> = {},
) {
  const { app, sync, testEnv, advance } = clockedApp(config, namespace, extraEnv);
  return {
    sync,
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
