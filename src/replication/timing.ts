// How fresh each tier keeps a record, and how often writes travel. The numbers are what the
// simulation (`npm run sim`) checks against the load budget of one object (≤ 100 calls/s at 300
// locations × 5 isolates) and the propagation target (a change seen everywhere within 2 s, p99).

/** An isolate re-reads its location's copy of a record it uses once its own is this old. */
export const MEMORY_TTL_MS = 500;
/** A location's copy is refreshed from the relay once it is this old (by one isolate). */
export const LOCATION_TTL_MS = 750;
/** One isolate claims a location refresh; the others leave it to that one for this long. */
export const CLAIM_MS = 2000;
/** A relay asks an owner again for a record it holds once its copy is this old. */
export const RELAY_TTL_MS = 1000;
/** A relay keeps asking for a record while an isolate asked for it within this time. */
export const ACTIVE_MS = 30_000;
/** An isolate's batched writes leave at most this often (± FLUSH_JITTER), urgent ones at once. */
export const FLUSH_MS = 5000;
export const FLUSH_JITTER = 0.25;
/** A cold isolate waits at most this long, once, for a record it has never seen. */
export const COLD_WAIT_MS = 50;
/** After a failed call, the next try waits this long (the last copy keeps serving meanwhile). */
export const RETRY_AFTER_ERROR_MS = 5000;
