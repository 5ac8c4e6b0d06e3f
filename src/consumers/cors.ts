// CORS on a route (`cors`): preflights are answered here (204, no backend call), and every answer
// of the route, errors included, carries the CORS headers when its Origin is allowed, with
// `Vary: Origin` either way, so a shared cache never hands one origin's grant to another.
import type { CorsPolicy } from "../config/normalize";

export function originAllowed(policy: CorsPolicy, origin: string): boolean {
  for (const allowed of policy.origins) {
    if (allowed === "*" || allowed === origin) return true;
    const star = allowed.indexOf("*.");
    if (star > 0) {
      // https://*.example.com: any subdomain, same scheme and port.
      const scheme = allowed.slice(0, star);
      const suffix = allowed.slice(star + 1);
      if (
        origin.startsWith(scheme) &&
        origin.endsWith(suffix) &&
        origin.length > scheme.length + suffix.length
      )
        return true;
    }
  }
  return false;
}

export function isPreflight(request: Request): boolean {
  return (
    request.method === "OPTIONS" &&
    request.headers.has("origin") &&
    request.headers.has("access-control-request-method")
  );
}

export function preflightAnswer(policy: CorsPolicy, request: Request): Response {
  const headers = new Headers({
    vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
  });
  const origin = request.headers.get("origin") ?? "";
  if (originAllowed(policy, origin)) {
    grant(headers, policy, origin);
    headers.set("access-control-allow-methods", policy.methods.join(", "));
    if (policy.headers.length) headers.set("access-control-allow-headers", policy.headers.join(", "));
    headers.set("access-control-max-age", String(policy.maxAgeSeconds));
  }
  return new Response(null, { status: 204, headers });
}

/** The CORS headers of an actual answer; `response` must have mutable headers. */
export function withCors(policy: CorsPolicy, request: Request, response: Response): Response {
  const origin = request.headers.get("origin");
  const headers = response.headers;
  const vary = headers.get("vary");
  if (!vary || !/(^|,)\s*origin\s*(,|$)/i.test(vary)) headers.append("vary", "Origin");
  if (!origin || !originAllowed(policy, origin)) return response;
  grant(headers, policy, origin);
  if (policy.exposeHeaders.length)
    headers.set("access-control-expose-headers", policy.exposeHeaders.join(", "));
  return response;
}

function grant(headers: Headers, policy: CorsPolicy, origin: string): void {
  // With credentials the browser needs the origin itself; "*" only ever without them.
  const any = policy.origins.includes("*") && !policy.credentials;
  headers.set("access-control-allow-origin", any ? "*" : origin);
  if (policy.credentials) headers.set("access-control-allow-credentials", "true");
}
