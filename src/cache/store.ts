// One entry in both tiers: KV, shared by every location, and this location's Cache API copy
// (tier.ts). Writes go to both; reads of fresh entries try the copy first and leave one behind
// when they had to go to KV, so that the next request here does not read KV again.
import { type EntryMeta, freshness, kvLifetime } from "./freshness";
import type { Found, LocationTier } from "./tier";
import { kvWritePace, type WritePace } from "./write-pace";

export type { Found };

type WaitUntil = (promise: Promise<unknown>) => void;

export async function readKv(kv: KVNamespace, key: string): Promise<Found | undefined> {
  const { value, metadata } = await kv.getWithMetadata<EntryMeta>(key, "arrayBuffer");
  return value && metadata ? { meta: metadata, value } : undefined;
}

/** The entry if it is fresh at `now`, from this location's copy or else from KV. */
export async function readFresh(
  kv: KVNamespace,
  tier: LocationTier,
  key: string,
  now: number,
  waitUntil: WaitUntil,
): Promise<Found | undefined> {
  const near = await tier.read(key, now);
  if (near) return near;
  const found = await readKv(kv, key);
  if (!found || freshness(found.meta, now) !== "fresh") return undefined;
  keepNear(tier, key, found, now, waitUntil);
  return found;
}

/** Leaves a copy of an entry just read from KV in this location, in the background. */
export function keepNear(
  tier: LocationTier,
  key: string,
  found: Found,
  now: number,
  waitUntil: WaitUntil,
): void {
  waitUntil(tier.write(key, found.value, found.meta, now));
}

/**
 * Stores an entry in KV (for every location) and here. KV allows one write a second per key: a
 * second write of the same key from this isolate within a second is skipped (write-pace.ts).
 */
export async function writeEntry(
  kv: KVNamespace,
  tier: LocationTier,
  key: string,
  value: Uint8Array,
  meta: EntryMeta,
  now: number,
  pace: WritePace = kvWritePace,
): Promise<void> {
  if (!pace.take(key, now)) return;
  await Promise.all([
    kv.put(key, value, { metadata: meta, expirationTtl: kvLifetime(meta) }),
    tier.write(key, value, meta, now),
  ]);
}
