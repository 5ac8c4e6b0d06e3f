// Header hygiene between client and backend: hop-by-hop headers never cross the gateway, a
// client's forwarding and override headers are dropped, the x-forwarded-* family is set from what
// the gateway knows (the client IP from cf-connecting-ip, appended to any value the client sent,
// never trusted for decisions), and each route's transforms.
//
// Headers are copied natively in one call each way (a copy into a Headers object and then again
// by the Response constructor cost a few µs per request in workerd); on the request, one pass over
// the names finds what must go.
import type { HeaderTransform } from "../config/normalize";

// RFC 9110 §7.6.1 plus the legacy ones proxies conventionally drop.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

// Cloudflare's own request metadata describes the client's hop, not ours.
const CLIENT_HOP = new Set([
  "cf-connecting-ip",
  "cf-ray",
  "cf-visitor",
  "cf-ipcountry",
  "cdn-loop",
  "cf-worker",
]);

// Headers by which a proxy tells an origin where a request came from, what URL, host, scheme or
// method it "really" had. Origins and frameworks honour them (Symfony, Spring and Rack read the
// prefix, port and scheme; IIS the original and rewrite URLs; method-override middleware the
// method; IP allow lists the client IPs), so from a client they are forged: a cache poisoner's
// unkeyed input, an allow-list bypass. aya sets its own x-forwarded-for / -proto / -host; a
// route's `headers.request.set` may still send any of these deliberately.
export const CLIENT_FORWARDING: ReadonlySet<string> = new Set([
  "forwarded",
  "x-forwarded-by",
  "x-forwarded-path",
  "x-forwarded-port",
  "x-forwarded-prefix",
  "x-forwarded-scheme",
  "x-forwarded-server",
  "x-forwarded-ssl",
  "x-forwarded-uri",
  "front-end-https",
  "x-url-scheme",
  "x-original-url",
  "x-original-uri",
  "x-rewrite-url",
  "x-original-host",
  "x-host",
  "x-http-method-override",
  "x-http-method",
  "x-method-override",
  "x-real-ip",
  "true-client-ip",
  "x-client-ip",
  "x-cluster-client-ip",
  "client-ip",
]);

/** Names a `Connection` header lists: hop-by-hop for this message only. */
function connectionNamed(headers: Headers): Set<string> | undefined {
  const named = headers.get("connection");
  if (!named) return undefined;
  return new Set(named.split(",").map((name) => name.trim().toLowerCase()));
}

function applyTransform(headers: Headers, transform: HeaderTransform): void {
  for (const name of transform.remove) headers.delete(name);
  for (const [name, value] of Object.entries(transform.set)) headers.set(name, value);
}

export interface ForwardedFor {
  clientIp: string;
  proto: string;
  host: string;
  requestId: string;
  /** The Host to send (rewrite.hostHeader); by default the backend URL's own. */
  hostHeader?: string;
  /** The consumer identified on a route with `auth`: sent as x-aya-consumer. */
  consumer?: string;
  /** The header the consumer's key or token came in: aya's, never forwarded. */
  consumedHeader?: string;
}

/** Set by aya alone: a client's own value is never forwarded, whatever the route. */
export const CONSUMER_HEADER = "x-aya-consumer";

/** Headers for the upstream request, from the client's; `websocket` keeps the upgrade handshake. */
/** The answer itself when its headers can be changed; else a copy whose headers can (fetch() and cache answers are immutable). */
export function mutable(response: Response): Response {
  try {
    response.headers.set("x-aya-probe", "1");
    response.headers.delete("x-aya-probe");
    return response;
  } catch {
    return new Response(response.body, response);
  }
}

export function upstreamHeaders(
  incoming: Headers,
  fwd: ForwardedFor,
  transform: HeaderTransform,
  websocket: boolean,
): Headers {
  const headers = new Headers(incoming);
  const named = connectionNamed(incoming);
  const drop: string[] = [];
  for (const name of incoming.keys()) {
    if (
      HOP_BY_HOP.has(name) ||
      CLIENT_HOP.has(name) ||
      CLIENT_FORWARDING.has(name) ||
      named?.has(name) ||
      name.startsWith("x-aya-geo-") ||
      name === CONSUMER_HEADER ||
      name === fwd.consumedHeader
    )
      drop.push(name);
  }
  for (const name of drop) headers.delete(name);
  if (websocket) headers.set("upgrade", "websocket");
  const prior = incoming.get("x-forwarded-for");
  if (fwd.clientIp) headers.set("x-forwarded-for", prior ? `${prior}, ${fwd.clientIp}` : fwd.clientIp);
  headers.set("x-forwarded-proto", fwd.proto);
  headers.set("x-forwarded-host", fwd.host);
  headers.set("x-request-id", fwd.requestId);
  if (fwd.consumer) headers.set(CONSUMER_HEADER, fwd.consumer);
  if (fwd.hostHeader) headers.set("host", fwd.hostHeader);
  else headers.delete("host");
  applyTransform(headers, transform);
  return headers;
}

/**
 * The backend's answer as the client should see it: one native copy (status, headers, body
 * stream; the only copy), then the hop-by-hop deletions.
 */
export function downstreamResponse(
  upstream: Response,
  transform: HeaderTransform,
  body: ReadableStream | null = upstream.body,
): Response {
  const response = new Response(body, upstream);
  const headers = response.headers;
  for (const name of connectionNamed(headers) ?? []) headers.delete(name);
  for (const name of HOP_BY_HOP) headers.delete(name);
  applyTransform(headers, transform);
  return response;
}
