// What a request lends the replication (Workers only): its location's Cache API, the relay of
// its location, and its waitUntil. The rest of src/replication runs anywhere, the simulation too.
import type { LocationStore } from "./location";
import type { RecordKey, RelayLink, Versioned } from "./record";
import { type RelayHint, relayFor } from "./relay-name";
import type { ReplicaLinks } from "./replica";
import { CLAIM_MS, LOCATION_TTL_MS } from "./timing";

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

/** The relay of the request's location, as a link the replica can call. */
export interface RelayNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId, options?: { locationHint?: RelayHint }): RelayLink;
}

export function relayLink(namespace: RelayNamespace, cf: unknown): RelayLink {
  const place = relayFor(cf as { continent?: unknown; colo?: unknown } | undefined);
  return {
    exchange: (request) =>
      namespace.get(namespace.idFromName(place.name), { locationHint: place.hint }).exchange(request),
  };
}

/**
 * What a request gives the replication: its location's cache, its relay, its waitUntil. Built
 * on first use: most requests find every record fresh in memory and need neither.
 */
export function requestLinks(
  relays: RelayNamespace,
  request: Request,
  waitUntil: (promise: Promise<unknown>) => void,
): ReplicaLinks {
  let location: LocationStore | undefined;
  let relay: RelayLink | undefined;
  return {
    get location() {
      location ??= cacheApiLocation(new URL(request.url).origin);
      return location;
    },
    get relay() {
      relay ??= relayLink(relays, (request as { cf?: unknown }).cf);
      return relay;
    },
    waitUntil,
  };
}
