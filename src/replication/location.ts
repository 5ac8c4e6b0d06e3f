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
import { CLAIM_MS } from "./timing";

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
