// Route response cache in Workers KV, with stale-while-revalidate and stale-if-error, and a
// short-lived copy of fresh entries in each location's Cache API in front of KV (tier.ts).
//
// Consistency, in plain words: the cache is shared by every location through KV, and KV is
// eventually consistent. An answer stored in one location is seen by the others within about a
// minute, and so is a purge: KV keeps what it read in each location for up to a minute before
// it looks again. On top of that each location may keep serving its own Cache API copy of a
// fresh answer for up to TIER_MAX_SECONDS (10 s) after it last read KV, and a purge reaches
// only the copy in the location that ran it. So after a purge or a refresh, every location
// serves the new state within about 70 s (60 s of KV plus 10 s of local copy), the purging
// location at once. Freshness itself is never stretched by either layer: every answer's age is
// computed from the time it was stored, by the gateway's clock, and a copy is never served past
// its entry's ttl; stale-while-revalidate and stale-if-error answers always come from KV.
// Two writers of the same entry in different locations: the last write wins (KV has no
// compare-and-set), which for a cache only means one of two good answers is kept.
import type { Route } from "../config/normalize";
import type { Bindings } from "../env";
import { concat } from "../proxy/body";
import type { ProxyResult } from "../proxy/forward";
import { CREDENTIAL_HEADERS, carriesCredentials } from "./credentials";
import { type CachedHead, decodeEntry, encodeEntry, entryResponse } from "./entry";
import { type EntryMeta, freshness, usableOnError } from "./freshness";
import { cacheKey, normalisedUrl, routeScope } from "./key";
import {
  clientBypass,
  clientNoStore,
  parseCacheControl,
  sharedDespiteCredentials,
  storeDecision,
} from "./policy";
import { type Found, keepNear, readKv, writeEntry } from "./store";
import { locationTier } from "./tier";

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
  /** Where a client's credentials travel; CREDENTIAL_HEADERS unless the caller knows better. */
  credentialHeaders?: readonly string[];
}

export interface CacheSession {
  /** A fresh entry (HIT) or one inside stale-while-revalidate (STALE), else undefined. */
  lookup(): Promise<{ response: Response; status: "HIT" | "STALE" } | undefined>;
  /** An entry inside staleIfErrorSeconds, for when the origin fails. */
  stale(): Promise<Response | undefined>;
  /** Stores a good answer in the background when cacheable; returns the response to send. */
  store(response: Response): Response;
  /** The client asked for a fresh answer and the route honours it: the lookup was skipped. */
  readonly bypassed: boolean;
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
  // A request with credentials is answered from an entry, and its answer stored, only when the
  // origin marked the answer for shared caches (RFC 9111 §3.5; policy.ts).
  const credentialed = carriesCredentials(
    input.request.headers,
    input.credentialHeaders ?? CREDENTIAL_HEADERS,
  );
  const bypassed = policy.honorClientNoCache && clientBypass(input.request.headers);
  const noStore = clientNoStore(input.request.headers);
  const requestUrl = new URL(input.request.url);
  const tier = locationTier(requestUrl.origin);
  const keyPromise = routeScope(input.route).then((scope) =>
    cacheKey(
      scope,
      normalisedUrl(input.path, input.search),
      requestUrl.host,
      policy.varyHeaders,
      input.request.headers,
    ),
  );
  let found: Promise<Found | undefined> | undefined;
  const read = () => {
    found ??= keyPromise.then((key) => readKv(kv, key));
    return found;
  };
  /** The entry as this request's answer, or undefined when it may not be served to this request. */
  const answer = (f: Found): Response | undefined => {
    const entry = decodeEntry(f.value);
    if (credentialed && !shared(entry.head)) return undefined;
    return entryResponse(entry, f.meta, input.now(), isHead);
  };
  const decide = (response: Response) =>
    storeDecision(response.status, response.headers, policy, { credentialed });

  const write = async (response: Response): Promise<void> => {
    const decision = decide(response);
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
    await writeEntry(
      kv,
      tier,
      await keyPromise,
      encodeEntry(response.status, response.headers, body),
      meta,
      meta.at,
    );
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
      const key = await keyPromise;
      const near = await tier.read(key, input.now());
      if (near) {
        // A copy that may not answer this request (credentials): KV holds the same entry, or one
        // a few seconds newer; the origin is asked rather than KV read, which is the safe side.
        const response = answer(near);
        return response && { response, status: "HIT" };
      }
      const f = await read();
      if (!f) return undefined;
      const state = freshness(f.meta, input.now());
      if (state !== "fresh" && state !== "stale-while-revalidate") return undefined;
      const response = answer(f);
      if (!response) return undefined;
      if (state === "fresh") {
        keepNear(tier, key, f, input.now(), (p) => input.ctx.waitUntil(p));
        return { response, status: "HIT" };
      }
      input.ctx.waitUntil(keyPromise.then(revalidate));
      return { response, status: "STALE" };
    },
    async stale() {
      const f = await read();
      if (!f || !usableOnError(f.meta, input.now())) return undefined;
      return answer(f);
    },
    store(response) {
      if (isHead || noStore || !decide(response).store || !response.body) return response;
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

/** Whether a stored answer may be served to a request with credentials. */
function shared(head: CachedHead): boolean {
  const cc = head.headers.find(([name]) => name === "cache-control")?.[1] ?? null;
  return sharedDespiteCredentials(parseCacheControl(cc));
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
