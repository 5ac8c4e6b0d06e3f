// The location tier: a copy of a fresh KV entry in this location's Cache API (caches.default),
// read before KV. It is there for the KV reads it saves, not for correctness and hardly for
// latency: a hot KV key is already served from the location's own KV cache, and in local workerd
// a Cache API read of a 2 KB entry costs about what a KV read does (0.33 vs 0.35 ms). But KV
// reads are billed per read and Cache API reads are not, and for a hot key a copy kept for a few
// seconds removes nearly all of them (at 100 requests a second, a 10 s copy turns 1,000 KV reads
// into one). The copy holds the KV value unchanged (entry.ts encoding) with the entry's
// freshness in a header, so freshness stays the gateway's own and follows its clock: a copy is
// served only while its entry is fresh *and* it is younger than TIER_MAX_SECONDS. Stale answers
// (stale-while-revalidate, stale-if-error) always come from KV.
//
// Copies are keyed under the request's own origin (`<origin>/__aya/tier/<KV key>`): Cloudflare
// advises against other hostnames in Cache API keys (each costs a DNS lookup). So a Worker
// served on several hostnames keeps one copy per hostname, and a purge removes at once the copies
// under the hostname it was sent to; any other copy runs out within TIER_MAX_SECONDS.
// The Cache API does nothing on *.workers.dev (match finds nothing, put stores nothing): there,
// every read simply goes to KV. Failures of the tier are never the client's: they read as a miss.
import { type EntryMeta, freshness } from "./freshness";

/**
 * How long a copy may answer without looking at KV. Short on purpose: a purge in another
 * location cannot reach this copy, so this is added to KV's own ~60 s to bound how long a
 * purged answer can still be served somewhere. The saving in KV reads is nearly complete
 * after a few seconds for any hot key, while the delay grows with every second added.
 */
export const TIER_MAX_SECONDS = 10;

/** Under the admin prefix, which no route can claim, so that a copy never meets a route's URL. */
const TIER_PATH = "/__aya/tier/";
const META_HEADER = "x-aya-tier";

interface TierMeta extends EntryMeta {
  /** Time (ms, gateway clock) until which the copy may answer. */
  until: number;
}

export interface Found {
  meta: EntryMeta;
  value: ArrayBuffer;
}

/** This location's copies, keyed under `origin` (the request's own, e.g. `https://gw.example`). */
export interface LocationTier {
  /** The copy of `key`, if it may still answer at `now`. */
  read(key: string, now: number): Promise<Found | undefined>;
  /** Keeps a copy of a fresh entry, for the rest of its freshness and at most TIER_MAX_SECONDS. */
  write(key: string, value: ArrayBuffer | Uint8Array, meta: EntryMeta, now: number): Promise<void>;
  /** Removes this location's copy (other locations keep theirs until it runs out). */
  delete(key: string): Promise<void>;
}

export function locationTier(origin: string): LocationTier {
  const url = (key: string) => `${origin}${TIER_PATH}${encodeURIComponent(key)}`;
  const cache = typeof caches === "undefined" ? undefined : caches.default;
  return {
    async read(key, now) {
      try {
        const res = await cache?.match(url(key));
        if (!res) return undefined;
        const meta = parseMeta(res.headers.get(META_HEADER));
        if (!meta || now >= meta.until || freshness(meta, now) !== "fresh") {
          await res.body?.cancel();
          return undefined;
        }
        const { until: _, ...entry } = meta;
        return { meta: entry, value: await res.arrayBuffer() };
      } catch (error) {
        warn("tier read failed", error);
        return undefined;
      }
    },
    async write(key, value, meta, now) {
      const freshFor = meta.ttl - (now - meta.at) / 1000;
      const seconds = Math.floor(Math.min(TIER_MAX_SECONDS, freshFor));
      if (!cache || seconds < 1) return;
      const stored: TierMeta = { ...meta, until: now + seconds * 1000 };
      try {
        await cache.put(
          url(key),
          new Response(value, {
            headers: { "cache-control": `max-age=${seconds}`, [META_HEADER]: JSON.stringify(stored) },
          }),
        );
      } catch (error) {
        warn("tier write failed", error);
      }
    },
    async delete(key) {
      try {
        await cache?.delete(url(key));
      } catch (error) {
        warn("tier delete failed", error);
      }
    },
  };
}

function parseMeta(header: string | null): TierMeta | undefined {
  if (!header) return undefined;
  try {
    const m = JSON.parse(header) as Partial<Record<keyof TierMeta, unknown>>;
    const fields = [m.at, m.ttl, m.swr, m.sie, m.until];
    if (!fields.every((f) => typeof f === "number" && Number.isFinite(f))) return undefined;
    return m as TierMeta;
  } catch {
    return undefined;
  }
}

function warn(msg: string, error: unknown): void {
  console.warn(JSON.stringify({ msg, error: String(error) }));
}
