// Header hygiene between client and backend: hop-by-hop headers never cross the gateway, the
// x-forwarded-* family is set from what the gateway knows (the client IP from cf-connecting-ip,
// appended to any value the client sent, never trusted for decisions), and each route's transforms.
import type { HeaderTransform } from "../config/normalize";

// RFC 9110 §7.6.1 plus the legacy ones proxies conventionally drop.
const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
];

export function removeHopByHop(headers: Headers): void {
  const named = headers.get("connection");
  if (named) for (const name of named.split(",")) headers.delete(name.trim());
  for (const name of HOP_BY_HOP) headers.delete(name);
}

export function applyTransform(headers: Headers, transform: HeaderTransform): void {
  for (const name of transform.remove) headers.delete(name);
  for (const [name, value] of Object.entries(transform.set)) headers.set(name, value);
}

export interface ForwardedFor {
  clientIp: string;
  proto: string;
  host: string;
  requestId: string;
}

/** Headers for the upstream request, from the client's; `websocket` keeps the upgrade handshake. */
export function upstreamHeaders(
  incoming: Headers,
  fwd: ForwardedFor,
  transform: HeaderTransform,
  websocket: boolean,
): Headers {
  const headers = new Headers(incoming);
  removeHopByHop(headers);
  if (websocket) headers.set("upgrade", "websocket");
  // Cloudflare's own request metadata describes the client's hop, not ours.
  for (const name of ["cf-connecting-ip", "cf-ray", "cf-visitor", "cf-ipcountry", "cdn-loop", "cf-worker"]) {
    headers.delete(name);
  }
  for (const name of [...headers.keys()]) if (name.startsWith("x-aya-geo-")) headers.delete(name);
  const prior = incoming.get("x-forwarded-for");
  if (fwd.clientIp) headers.set("x-forwarded-for", prior ? `${prior}, ${fwd.clientIp}` : fwd.clientIp);
  headers.set("x-forwarded-proto", fwd.proto);
  headers.set("x-forwarded-host", fwd.host);
  headers.set("x-request-id", fwd.requestId);
  applyTransform(headers, transform);
  return headers;
}

/** The backend's response headers as the client should see them. */
export function downstreamHeaders(upstream: Headers, transform: HeaderTransform): Headers {
  const headers = new Headers(upstream);
  removeHopByHop(headers);
  applyTransform(headers, transform);
  return headers;
}
