// Calls the real Worker's app (in workerd, with the isolate's shared state, as the deployed
// Worker) with a GATEWAY config of the test's own, since origins listen on ports chosen at run
// time. Its randomness is seeded, so a failing run can be replayed.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { createApp, defaultDeps } from "../../src/app";
import { seededRandom, systemClock } from "../../src/clock";

export interface CallOptions extends RequestInit {
  cf?: Record<string, unknown>;
  ip?: string;
}

export function gatewayFor(config: unknown, extraEnv: Record<string, unknown> = {}, seed = 1) {
  const testEnv = { ...env, ...extraEnv, GATEWAY: config };
  const app = createApp({ ...defaultDeps, clock: { ...systemClock, random: seededRandom(seed) } });
  /** A path on https://gw.example, or a whole Request the test made itself. */
  return async function call(path: string | Request, options: CallOptions = {}): Promise<Response> {
    const headers = new Headers(options.headers);
    if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", options.ip ?? "203.0.113.7");
    const request =
      typeof path === "string"
        ? new Request(`https://gw.example${path}`, { ...options, headers, cf: options.cf } as RequestInit)
        : path;
    if (!request.headers.has("cf-connecting-ip")) request.headers.set("cf-connecting-ip", "203.0.113.7");
    const ctx = createExecutionContext();
    const response = await app.fetch(request, testEnv, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  };
}

/**
 * A GET that carries a body, as a client can send one over the wire (workerd hands it to the
 * Worker), although the Request constructor refuses to build one.
 */
export function getWithBody(path: string, body: string): Request {
  const request = new Request(`https://gw.example${path}`, { method: "POST", body });
  Object.defineProperty(request, "method", { value: "GET" });
  return request;
}

export async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}
