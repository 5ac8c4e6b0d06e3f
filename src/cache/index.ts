// Route response cache (KV). Placeholder until the cache issue lands: no route is cached, every
// answer reports x-aya-cache: BYPASS.
import type { Route } from "../config/normalize";
import type { Bindings } from "../env";
import type { ProxyResult } from "../proxy/forward";

export interface CacheInput {
  route: Route;
  request: Request;
  /** Path after rewrite and the query string: the cache key's URL part. */
  path: string;
  search: string;
  env: Bindings;
  ctx: { waitUntil(promise: Promise<unknown>): void };
  now: () => number;
  /** Forwards the request again (for background revalidation). */
  proxy: (stale?: () => Promise<Response | undefined>) => Promise<ProxyResult>;
}

export interface CacheSession {
  /** A fresh entry (HIT) or one inside stale-while-revalidate (STALE), else undefined. */
  lookup(): Promise<{ response: Response; status: "HIT" | "STALE" } | undefined>;
  /** An entry inside staleIfErrorSeconds, for when the origin fails. */
  stale(): Promise<Response | undefined>;
  /** Stores a good answer in the background when cacheable; returns the response to send. */
  store(response: Response): Response;
}

export function cacheFor(_input: CacheInput): CacheSession | undefined {
  return undefined;
}
