// Which AI answers may be cached, for how long, and under which key, as pure functions.
//
// Chat: a temperature-0 request asks for the most likely answer, so a repeat is asked to be the
// same answer and may be served from cache, for DEFAULT_AI_TTL_SECONDS. An hour covers what
// repeats in practice (client retries, agent steps replayed, evaluation runs) while bounding how
// long an answer outlives a change behind its model name (a provider updating the model, an alias
// moved to another target) when nobody purges it (`{ "ai": alias }` on /__aya/cache/purge).
// Sampled answers (temperature > 0, or none given: providers default to 1) are cached only when
// the client asks with `x-aya-cache-ttl: <seconds>`, capped at `aiCache.maxClientTtlSeconds`
// (a day by default): a client does not decide how long the gateway keeps an answer.
// Embeddings: deterministic, but cached only on `x-aya-cache-ttl` too: they are large and most
// inputs are embedded once (indexing), so caching them by default would mostly add KV writes
// that are never read; a client that re-embeds the same text (search queries) opts in.
// `x-aya-cache-ttl: 0` or `Cache-Control: no-store` bypasses the cache both ways; `no-cache`
// (or `Pragma: no-cache`) skips the lookup and stores the new answer. An unreadable
// `x-aya-cache-ttl` bypasses, so a typo never caches what the client did not mean to.
import { parseCacheControl } from "./policy";

export const DEFAULT_AI_TTL_SECONDS = 3600;

/** The default cap on any AI answer's lifetime (`aiCache.maxClientTtlSeconds`). */
export const DEFAULT_MAX_AI_TTL_SECONDS = 86_400;

export type AiKind = "chat" | "embeddings";

export type AiCacheDecision = { cache: false } | { cache: true; ttlSeconds: number; lookup: boolean };

export function aiCacheDecision(
  kind: AiKind,
  headers: Headers,
  temperature?: number | null,
  maxTtlSeconds: number = DEFAULT_MAX_AI_TTL_SECONDS,
): AiCacheDecision {
  const cc = parseCacheControl(headers.get("cache-control"));
  if (cc.has("no-store")) return { cache: false };
  const asked = headers.get("x-aya-cache-ttl");
  let ttlSeconds: number;
  if (asked !== null) {
    if (!/^\d{1,9}$/.test(asked.trim())) return { cache: false };
    ttlSeconds = Number(asked.trim());
    if (ttlSeconds === 0) return { cache: false };
  } else if (kind === "chat" && temperature === 0) {
    ttlSeconds = DEFAULT_AI_TTL_SECONDS;
  } else {
    return { cache: false };
  }
  const lookup = !cc.has("no-cache") && headers.get("pragma") !== "no-cache";
  return { cache: true, ttlSeconds: Math.min(ttlSeconds, maxTtlSeconds), lookup };
}

/**
 * Fields that never change the answer: how it is delivered, and who asked (`user` and its
 * successor `safety_identifier` identify the end user to the provider's abuse monitoring).
 */
const NOT_IN_KEY = new Set(["stream", "stream_options", "user", "safety_identifier"]);

/**
 * The normalised request the key hashes: the model as the client named it (alias or
 * provider/model), the messages or input, and every other parameter, with object keys sorted at
 * every depth and absent (null) parameters dropped, so key order and explicit nulls do not
 * split entries. Array order is kept: it is meaning (messages, stop words, inputs).
 */
export function keyMaterial(kind: AiKind, request: Record<string, unknown>): string {
  const kept = Object.entries(request).filter(
    ([k, v]) => !NOT_IN_KEY.has(k) && v !== null && v !== undefined,
  );
  return `${kind}\n${canonicalJson(Object.fromEntries(kept))}`;
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
