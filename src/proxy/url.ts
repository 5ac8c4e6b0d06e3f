// Where a request goes on a backend: the route's rewrite applied to the path, joined to the
// backend URL (whose own path, if any, is a prefix), with the query kept as the client sent it.
import type { Route } from "../config/normalize";

export function rewritePath(path: string, rewrite: Route["rewrite"]): string {
  let out = path;
  const strip = rewrite.stripPrefix?.replace(/\/+$/, "");
  if (strip && (out === strip || out.startsWith(`${strip}/`))) out = out.slice(strip.length) || "/";
  if (rewrite.addPrefix) out = `${rewrite.addPrefix.replace(/\/+$/, "")}${out}`;
  return out;
}

export function upstreamUrl(backendUrl: string, path: string, search: string): string {
  return `${backendUrl}${path}${search}`;
}
