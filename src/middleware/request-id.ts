// x-request-id on every response and to every backend: the client's own value is kept when it is
// safe to log and forward (^[A-Za-z0-9._-]{1,128}$), otherwise a new one is made.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";

const SAFE_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function requestIdOf(request: Request): string {
  const given = request.headers.get("x-request-id");
  return given && SAFE_ID.test(given) ? given : crypto.randomUUID();
}

export function requestId(): MiddlewareHandler<AppEnv> {
  return async function requestIdMiddleware(c, next) {
    const id = requestIdOf(c.req.raw);
    c.set("requestId", id);
    await next();
    // Responses from fetch() have immutable headers; copy only when needed.
    try {
      c.res.headers.set("x-request-id", id);
    } catch {
      const res = new Response(c.res.body, c.res);
      res.headers.set("x-request-id", id);
      c.res = res;
    }
  };
}
