// Freshness is computed by the gateway from the stored time, not left to KV expiry: KV's own
// expirationTtl has a 60 s floor and a write takes up to a minute to be seen in every location,
// so the entry lives in KV for max(60, ttl + the larger stale window) and each read decides.
export interface EntryMeta {
  /** Stored at (ms since the epoch). */
  at: number;
  ttl: number;
  swr: number;
  sie: number;
}

export type Freshness = "fresh" | "stale-while-revalidate" | "stale-if-error" | "expired";

export function freshness(meta: EntryMeta, now: number): Freshness {
  const age = (now - meta.at) / 1000;
  if (age < meta.ttl) return "fresh";
  if (age < meta.ttl + meta.swr) return "stale-while-revalidate";
  if (age < meta.ttl + meta.sie) return "stale-if-error";
  return "expired";
}

/** Seconds the KV entry must live so every window can still be served. */
export function kvLifetime(meta: Pick<EntryMeta, "ttl" | "swr" | "sie">): number {
  return Math.max(60, meta.ttl + Math.max(meta.swr, meta.sie));
}

/** An entry answers an origin failure while inside either stale window. */
export function usableOnError(meta: EntryMeta, now: number): boolean {
  return freshness(meta, now) !== "expired";
}
