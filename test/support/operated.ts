// The real app on a test clock, with an overlay object of the test's own (named, so that tests
// never share one) running on the same clock, and an operator's handle on the admin endpoints.
// `isolate()` adds another isolate of the same Worker, with its own memory, possibly in another
// location (another hostname for its Cache API copies, another `cf` for its relay), so that a
// change made through one can be watched arriving at the other, through the real objects.
import { createExecutionContext, env, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import type { ConfigOverlay } from "../../durable-objects/config-overlay";
import { createApp, replicatedDeps } from "../../src/app";
import type { PipelineDeps } from "../../src/gateway";
import { IsolateState } from "../../src/state/isolate";
import { Replication } from "../../src/state/sync";
import { type ClockedResponse, clockedApp } from "./clocked";

export const ADMIN = { authorization: "Bearer test-admin-token" };

export interface Where {
  /** The hostname requests are sent to (each has its own Cache API copies: another location). */
  host?: string;
  cf?: Record<string, unknown>;
}

export async function operatedGateway(
  config: unknown,
  overlayName: string,
  extraEnv: Record<string, unknown> = {},
) {
  const { app, clock, testEnv, advance } = clockedApp(config, undefined, extraEnv, 1, overlayName);
  await runInDurableObject(env.OVERLAY.get(env.OVERLAY.idFromName(overlayName)), (overlay: ConfigOverlay) => {
    overlay.clock = clock;
  });

  /** Sends a request and hands back the response as it arrives, its body unread. */
  async function open(
    fetcher: { fetch: typeof app.fetch },
    path: string,
    init: RequestInit = {},
    where: Where = {},
  ): Promise<{ res: Response; done: () => Promise<void> }> {
    const ctx = createExecutionContext();
    const headers = new Headers(init.headers);
    if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", "203.0.113.7");
    const url = `https://${where.host ?? "gw.example"}${path}`;
    const res = await fetcher.fetch(
      new Request(url, { ...init, headers, cf: where.cf } as RequestInit),
      testEnv,
      ctx,
    );
    return { res, done: () => waitOnExecutionContext(ctx) };
  }

  async function call(
    fetcher: { fetch: typeof app.fetch },
    path: string,
    init: RequestInit = {},
    where: Where = {},
  ): Promise<ClockedResponse> {
    const { res, done } = await open(fetcher, path, init, where);
    const body = await res.text();
    await done();
    return {
      status: res.status,
      body,
      headers: res.headers,
      backend: res.headers.get("x-aya-backend"),
      attempts: res.headers.get("x-aya-attempts"),
      cache: res.headers.get("x-aya-cache"),
    };
  }

  const handle = (fetcher: { fetch: typeof app.fetch }, where: Where = {}, deps?: PipelineDeps) => ({
    deps,
    call: (path: string, init: RequestInit = {}) => call(fetcher, path, init, where),
    open: (path: string, init: RequestInit = {}) => open(fetcher, path, init, where),
    /** An admin request; the answer's JSON. */
    async admin(method: string, path: string, body?: unknown) {
      const res = await call(
        fetcher,
        `/__aya${path}`,
        {
          method,
          headers: { ...ADMIN, "content-type": "application/json" },
          body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
        },
        where,
      );
      return { status: res.status, json: JSON.parse(res.body) as Record<string, unknown> };
    },
  });

  return {
    ...handle(app),
    clock,
    advance,
    /** Another isolate of the same Worker, on the same clock, with its own memory, at `where`. */
    isolate(where: Where = {}) {
      const state = new IsolateState();
      const deps = replicatedDeps(clock, state, new Replication(clock, state), overlayName);
      return handle(createApp(deps), where, deps);
    },
  };
}
