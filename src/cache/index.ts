// Route response cache in Workers KV, with stale-while-revalidate and stale-if-error.
//
// Consistency, in plain words: an answer stored in one location is seen by the others within
// about a minute (KV propagation), and a purge likewise takes up to a minute to reach every
// location; reads in a location may be served from KV's own edge cache for up to 60 s. There is
// no Cache API tier in front of KV: the Cache API is per location and cannot be purged from the
// Worker everywhere, so a purge through /__aya/cache/purge would leave stale copies behind in
// other locations; hot KV keys are already read from the location's own KV cache.
import type { Route } from "../config/normalize";
import type { Bindings } from "../env";
import { concat } from "../proxy/body";
import type { ProxyResult } from "../proxy/forward";
import { decodeEntry, encodeEntry, entryResponse } from "./entry";
import { type EntryMeta, freshness, kvLifetime, usableOnError } from "./freshness";
import { cacheKey, normalisedUrl } from "./key";
import { clientBypass, storeDecision } from "./policy";

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
  /** The client asked for a fresh answer (Cache-Control: no-cache): the lookup was skipped. */
  readonly bypassed: boolean;
}

interface Found {
  meta: EntryMeta;
  value: ArrayBuffer;
}

/** Keys being revalidated by this isolate: at most one background refresh per key at a time. */
const revalidating = new Set<string>();

export function cacheFor(input: CacheInput): CacheSession | undefined {
  const policy = input.route.cache;
  const kv = input.env.CACHE as KVNamespace | undefined;
  if (!policy || !kv) return undefined;
  const method = input.request.method.toUpperCase();
  if (!(policy.methods as string[]).includes(method)) return undefined;
  const isHead = method === "HEAD";
  const bypassed = clientBypass(input.request.headers);
  const keyPromise = cacheKey(
    normalisedUrl(input.path, input.search),
    policy.varyHeaders,
    input.request.headers,
  );
  let found: Promise<Found | undefined> | undefined;
  const read = () => {
    found ??= keyPromise.then(async (key) => {
      const { value, metadata } = await kv.getWithMetadata<EntryMeta>(key, "arrayBuffer");
      return value && metadata ? { meta: metadata, value } : undefined;
    });
    return found;
  };
  const answer = (f: Found) => entryResponse(decodeEntry(f.value), f.meta, input.now(), isHead);

  const write = async (response: Response): Promise<void> => {
    const decision = storeDecision(response.status, response.headers, policy);
    if (!decision.store || !response.body) {
      await response.body?.cancel();
      return;
    }
    const body = await readCapped(response.body, policy.maxBodyBytes);
    if (!body) return;
    const meta: EntryMeta = {
      at: input.now(),
      ttl: decision.ttlSeconds,
      swr: policy.staleWhileRevalidateSeconds,
      sie: policy.staleIfErrorSeconds,
    };
    const key = await keyPromise;
    await kv.put(key, encodeEntry(response.status, response.headers, body), {
      metadata: meta,
      expirationTtl: kvLifetime(meta),
    });
  };

  const revalidate = async (key: string) => {
    if (revalidating.has(key)) return;
    revalidating.add(key);
    try {
      const result = await input.proxy();
      if (result.failed) await result.response.body?.cancel();
      else await write(result.response);
    } catch (error) {
      console.warn(JSON.stringify({ msg: "cache revalidation failed", error: String(error) }));
    } finally {
      revalidating.delete(key);
    }
  };

  return {
    bypassed,
    async lookup() {
      if (bypassed) return undefined;
      const f = await read();
      if (!f) return undefined;
      const state = freshness(f.meta, input.now());
      if (state === "fresh") return { response: answer(f), status: "HIT" };
      if (state === "stale-while-revalidate") {
        input.ctx.waitUntil(keyPromise.then(revalidate));
        return { response: answer(f), status: "STALE" };
      }
      return undefined;
    },
    async stale() {
      const f = await read();
      if (!f || !usableOnError(f.meta, input.now())) return undefined;
      return answer(f);
    },
    store(response) {
      if (isHead || !storeDecision(response.status, response.headers, policy).store || !response.body) {
        return response;
      }
      const [toClient, toCache] = response.body.tee();
      const copy = new Response(toCache, response);
      input.ctx.waitUntil(
        write(copy).catch((error) =>
          console.warn(JSON.stringify({ msg: "cache store failed", error: String(error) })),
        ),
      );
      return new Response(toClient, response);
    },
  };
}

/** The whole body, or undefined (and the rest discarded) once it passes `max` bytes. */
async function readCapped(body: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array | undefined> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return concat(chunks, size);
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
}
