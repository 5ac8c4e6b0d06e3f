// The AI answer cache: whole, successful chat completions and embeddings, keyed by the model as
// named and a hash of the normalised request and whose answer it is (ai-key.ts), and stored like
// route entries (entry.ts encoding, freshness metadata, KV plus this location's Cache API copy:
// store.ts). A hit never reaches a provider, so it is not counted as provider usage. Answers over
// AI_MAX_ENTRY_BYTES are not stored.
import type { Route } from "../config/normalize";
import type { Bindings } from "../env";
import { mutable } from "../proxy/headers";
import { aiCacheKey } from "./ai-key";
import { type AiKind, aiCacheDecision } from "./ai-policy";
import { decodeEntry, encodeEntry } from "./entry";
import type { EntryMeta } from "./freshness";
import { readFresh, writeEntry } from "./store";
import { locationTier } from "./tier";

export { AI_KEY_PREFIX } from "./ai-key";

/** KV takes values up to 25 MiB; a larger answer (a big embeddings batch) costs more memory to copy than it saves. */
export const AI_MAX_ENTRY_BYTES = 4 * 1024 * 1024;

export interface CachedAnswer {
  /** The answer as stored: a chat.completion or an embeddings list. */
  body: unknown;
  /** Who gave the answer when it was stored, for the debug headers. */
  provider: string | null;
  model: string | null;
}

export interface AnswerCache {
  /** What `x-aya-cache` says when the answer does not come from the cache. */
  readonly status: "MISS" | "BYPASS";
  /** Whether a new answer will be stored (worth assembling a stream for). */
  readonly stores: boolean;
  lookup(): Promise<CachedAnswer | undefined>;
  /** Stores a whole, successful answer in the background (no-op when not cacheable). */
  store(answer: object, from: { provider: string; model: string }): void;
}

export interface AnswerCacheInput {
  kind: AiKind;
  /** The request body as the client sent it (validated). */
  request: Record<string, unknown>;
  temperature?: number | null;
  headers: Headers;
  /** The request's origin (`https://host`): its host is part of the key, and this location's copies are kept under it. */
  origin: string;
  /** The matched ai route: answers are kept per route. */
  route: Pick<Route, "host" | "path">;
  /**
   * The consumer the request was identified as, on a route with auth: answers are then kept per
   * consumer. Routes have no auth yet (contract §7); the consumers work passes it in.
   */
  consumer?: string;
  /** `aiCache.maxClientTtlSeconds`: no answer is kept longer. */
  maxTtlSeconds: number;
  env: Bindings;
  ctx: { waitUntil(promise: Promise<unknown>): void };
  now: () => number;
}

const UNCACHED: AnswerCache = {
  status: "BYPASS",
  stores: false,
  lookup: async () => undefined,
  store() {},
};

export function answerCache(input: AnswerCacheInput): AnswerCache {
  const kv = input.env.CACHE as KVNamespace | undefined;
  const decision = aiCacheDecision(input.kind, input.headers, input.temperature, input.maxTtlSeconds);
  if (!kv || !decision.cache) return UNCACHED;
  const key = aiCacheKey(input.kind, input.request, {
    route: input.route,
    host: new URL(input.origin).host,
    consumer: input.consumer,
  });
  const waitUntil = (p: Promise<unknown>) => input.ctx.waitUntil(p);
  const tier = locationTier(input.origin);
  return {
    status: decision.lookup ? "MISS" : "BYPASS",
    stores: true,
    async lookup() {
      if (!decision.lookup) return undefined;
      try {
        const found = await readFresh(kv, tier, await key, input.now(), waitUntil);
        if (!found) return undefined;
        const { head, body } = decodeEntry(found.value);
        const header = (name: string) => head.headers.find(([n]) => n === name)?.[1] ?? null;
        return {
          body: JSON.parse(new TextDecoder().decode(body)) as unknown,
          provider: header("x-aya-provider"),
          model: header("x-aya-model"),
        };
      } catch (error) {
        // The cache only ever saves a provider call: when it fails, ask the provider.
        console.warn(JSON.stringify({ msg: "ai cache lookup failed", error: String(error) }));
        return undefined;
      }
    },
    store(answer, from) {
      const bytes = new TextEncoder().encode(JSON.stringify(answer));
      if (bytes.byteLength > AI_MAX_ENTRY_BYTES) return;
      const at = input.now();
      const meta: EntryMeta = { at, ttl: decision.ttlSeconds, swr: 0, sie: 0 };
      const headers = new Headers({
        "content-type": "application/json",
        "x-aya-provider": from.provider,
        "x-aya-model": from.model,
      });
      waitUntil(
        key
          .then((k) => writeEntry(kv, tier, k, encodeEntry(200, headers, bytes), meta, at))
          .catch((error) =>
            console.warn(JSON.stringify({ msg: "ai cache store failed", error: String(error) })),
          ),
      );
    },
  };
}

/** The headers of an answer served from the cache; debug headers as dispatch sets them, 0 attempts. */
export function cachedAnswerHeaders(
  hit: CachedAnswer,
  requestId: string,
  debug: { on: boolean; route: number },
): Headers {
  const headers = new Headers({ "x-request-id": requestId });
  if (!debug.on) return headers;
  headers.set("x-aya-route", String(debug.route));
  if (hit.provider) headers.set("x-aya-provider", hit.provider);
  if (hit.model) headers.set("x-aya-model", hit.model);
  headers.set("x-aya-attempts", "0");
  headers.set("x-aya-cache", "HIT");
  return headers;
}

/** `x-aya-cache` on an answer that did not come from the cache (debug headers only). */
export function withCacheStatus(response: Response, status: string, debug: boolean): Response {
  if (!debug) return response;
  const out = mutable(response);
  out.headers.set("x-aya-cache", status);
  return out;
}
