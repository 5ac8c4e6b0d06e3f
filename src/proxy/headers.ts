// Header hygiene between client and backend: hop-by-hop headers never cross the gateway, the
// x-forwarded-* family is set from what the gateway knows (the client IP from cf-connecting-ip,
// appended to any value the client sent, never trusted for decisions), and each route's transforms.
//
// Every Headers call crosses from JavaScript into workerd, and header handling was the largest
// part of the gateway's own CPU per request in the benchmark's profile: the request's headers are
// filtered in one pass into a record handed over once; the response's are copied natively and
// only what applies is deleted.
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

// Set by the gateway below, from what it knows rather than from what the client sent.
const GATEWAY_SET = new Set([
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
  "x-request-id",
  "host",
]);

/** Names a `Connection` header lists: hop-by-hop for this message only. */
function connectionNamed(headers: Headers): Set<string> | undefined {
  const named = headers.get("connection");
  if (!named) return undefined;
  return new Set(named.split(",").map((name) => name.trim().toLowerCase()));
}

export interface ForwardedFor {
  clientIp: string;
  proto: string;
  host: string;
  requestId: string;
  /** The Host to send (rewrite.hostHeader); by default the backend URL's own. */
  hostHeader?: string;
}

/** Headers for the upstream request, from the client's; `websocket` keeps the upgrade handshake. */
export function upstreamHeaders(
  incoming: Headers,
  fwd: ForwardedFor,
  transform: HeaderTransform,
  websocket: boolean,
): Headers {
  const named = connectionNamed(incoming);
  // A record, not a list of pairs: workerd builds Headers from a record markedly faster, and a
  // request carries no Set-Cookie that would need a name twice.
  const out: Record<string, string> = {};
  let prior: string | undefined;
  for (const [name, value] of incoming) {
    if (name === "x-forwarded-for") prior = value;
    if (HOP_BY_HOP.has(name) || CLIENT_HOP.has(name) || GATEWAY_SET.has(name)) continue;
    if (named?.has(name) || name.startsWith("x-aya-geo-")) continue;
    out[name] = value;
  }
  if (websocket) out.upgrade = "websocket";
  if (fwd.clientIp) out["x-forwarded-for"] = prior ? `${prior}, ${fwd.clientIp}` : fwd.clientIp;
  else if (prior) out["x-forwarded-for"] = prior;
  out["x-forwarded-proto"] = fwd.proto;
  out["x-forwarded-host"] = fwd.host;
  out["x-request-id"] = fwd.requestId;
  if (fwd.hostHeader) out.host = fwd.hostHeader;
  for (const name of transform.remove) delete out[name.toLowerCase()];
  for (const [name, value] of Object.entries(transform.set)) out[name.toLowerCase()] = value;
  return new Headers(out);
}

/**
 * The backend's response headers as the client should see them: a native copy, then only the
 * deletions that apply (most answers carry no hop-by-hop header at all).
 */
export function downstreamHeaders(upstream: Headers, transform: HeaderTransform): Headers {
  const headers = new Headers(upstream);
  const named = connectionNamed(upstream);
  if (named) for (const name of named) headers.delete(name);
  for (const name of HOP_BY_HOP) if (upstream.has(name)) headers.delete(name);
  for (const name of transform.remove) headers.delete(name);
  for (const [name, value] of Object.entries(transform.set)) headers.set(name, value);
  return headers;
}
