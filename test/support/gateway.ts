// Calls the real Worker (its fetch handler, in workerd) with a GATEWAY config of the test's own,
// since origins listen on ports chosen at run time.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../src/index";

export interface CallOptions extends RequestInit {
  cf?: Record<string, unknown>;
  ip?: string;
}

export function gatewayFor(config: unknown, extraEnv: Record<string, unknown> = {}) {
  const testEnv = { ...env, ...extraEnv, GATEWAY: config };
  return async function call(path: string, options: CallOptions = {}): Promise<Response> {
    const headers = new Headers(options.headers);
    if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", options.ip ?? "203.0.113.7");
    const request = new Request(`https://gw.example${path}`, {
      ...options,
      headers,
      cf: options.cf,
    } as RequestInit);
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      request as Request<unknown, IncomingRequestCfProperties>,
      testEnv as never,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return response;
  };
}

export async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}
