// The location tier: one copy of each record per Cloudflare location, in the location's Cache
// API, shared by every isolate there. Isolates read it before they ask the relay, and one of
// them (the one that wins the claim) refreshes it, so a location asks the relay about a record
// once per LOCATION_TTL_MS however many isolates it runs.
//
// The Cache API has no compare-and-set, so the claim is a short-lived entry put before the call:
// two isolates that look in the same millisecond may both refresh, which costs one extra call,
// never a wrong answer (copies carry the owner's version, and an older one never replaces a newer).
// Ages are measured with the gateway's own clock from the time stored in the copy; the entry's
// max-age only lets the cache evict it. On *.workers.dev the Cache API stores nothing: every
// isolate then refreshes from the relay itself, which is correct, only costlier.

import type { RecordKey, Versioned } from "./record";
import { CLAIM_MS, LOCATION_TTL_MS } from "./timing";

export interface LocationCopy {
  record: Versioned;
  /** When the copy was refreshed from the relay (gateway clock, ms). */
  storedAt: number;
}

export interface LocationStore {
  read(key: RecordKey): Promise<LocationCopy | undefined>;
  write(copy: LocationCopy): Promise<void>;
  /**
   * Claims the refresh of `key`: false while another isolate holds a claim made after the copy
   * was stored at `since` (it is refreshing it) and less than CLAIM_MS ago (it has not given up).
   */
  claim(key: RecordKey, now: number, since: number): Promise<boolean>;
}

const STORED_AT = "x-aya-stored-at";
/** Under the admin prefix, which no route can claim, so a copy never meets a route's URL. */
const COPY_PATH = "/__aya/replica/";
const CLAIM_PATH = "/__aya/replica-claim/";
const EVICT_AFTER_S = Math.ceil((LOCATION_TTL_MS * 30) / 1000);

/** The location's copies in `caches.default`, keyed under the request's own origin. */
export function cacheApiLocation(origin: string): LocationStore {
  const cache = typeof caches === "undefined" ? undefined : caches.default;
  const url = (path: string, key: RecordKey) => `${origin}${path}${encodeURIComponent(key)}`;
  const storedAt = (response: Response) => Number(response.headers.get(STORED_AT));
  return {
    async read(key) {
      try {
        const response = await cache?.match(url(COPY_PATH, key));
        if (!response) return undefined;
        const at = storedAt(response);
        const record = (await response.json()) as Versioned;
        return Number.isFinite(at) && record?.key === key ? { record, storedAt: at } : undefined;
      } catch {
        // The tier only saves calls: when it fails, the relay answers.
        return undefined;
      }
    },
    async write(copy) {
      try {
        await cache?.put(
          url(COPY_PATH, copy.record.key),
          new Response(JSON.stringify(copy.record), {
            headers: {
              "content-type": "application/json",
              "cache-control": `max-age=${EVICT_AFTER_S}`,
              [STORED_AT]: String(copy.storedAt),
            },
          }),
        );
      } catch {
        // as above
      }
    },
    async claim(key, now, since) {
      if (!cache) return true;
      try {
        const held = await cache.match(url(CLAIM_PATH, key));
        if (held) {
          const at = storedAt(held);
          await held.body?.cancel();
          if (Number.isFinite(at) && at > since && now - at < CLAIM_MS) return false;
        }
        await cache.put(
          url(CLAIM_PATH, key),
          new Response(null, {
            headers: { "cache-control": `max-age=${Math.ceil(CLAIM_MS / 1000)}`, [STORED_AT]: String(now) },
          }),
        );
        return true;
      } catch {
        return true;
      }
    },
  };
}

/** The same tier in memory: for unit tests and for the simulation's locations. */
export class MemoryLocation implements LocationStore {
  readonly copies = new Map<RecordKey, LocationCopy>();
  private readonly claims = new Map<RecordKey, number>();
  reads = 0;
  writes = 0;

  async read(key: RecordKey): Promise<LocationCopy | undefined> {
    this.reads += 1;
    return this.copies.get(key);
  }

  async write(copy: LocationCopy): Promise<void> {
    this.writes += 1;
    const known = this.copies.get(copy.record.key);
    // Concurrent refreshes may land out of order: keep the later version.
    if (known && known.record.version > copy.record.version) return;
    this.copies.set(copy.record.key, copy);
  }

  async claim(key: RecordKey, now: number, since: number): Promise<boolean> {
    const at = this.claims.get(key);
    if (at !== undefined && at > since && now - at < CLAIM_MS) return false;
    this.claims.set(key, now);
    return true;
  }
}
