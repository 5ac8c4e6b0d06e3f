// Keys on the request path. A static consumer's key is found by its hash among the configured
// secrets; a runtime key (`aya_…`) by its hash among the replicated key records, read from the
// isolate's memory. A key record is trusted only while its last confirmation by the relay is
// younger than KEY_CONFIRM_MS: an isolate that has not seen the key for longer (or never) asks
// again first, waiting at most KEY_WAIT_MS, so a revocation holds everywhere within about 2 s,
// idle isolates included. When the relay cannot be reached, a confirmation up to KEY_STALE_MS old
// still serves; beyond that the request is refused (503), never waved through.
import type { StaticConsumer } from "../config/normalize";
import type { Replica, ReplicaLinks } from "../replication/replica";
import { LOCATION_TTL_MS, MEMORY_TTL_MS } from "../replication/timing";
import type { AuthFailure, Consumer } from "./consumer";
import { keyRecordKey } from "./key-book";
import { KEY_LENGTH, KEY_PREFIX, sha256Hex } from "./key-format";
import type { KeyRecord } from "./key-policy";

/** A key record confirmed longer ago than this is asked for again before it is trusted. */
export const KEY_CONFIRM_MS = LOCATION_TTL_MS + MEMORY_TTL_MS;
export const KEY_WAIT_MS = 3_000;
export const KEY_STALE_MS = 60_000;

const RUNTIME_KEY = new RegExp(`^${KEY_PREFIX}[0-9A-Za-z]{${KEY_LENGTH}}$`);

export type KeyResult =
  | { ok: true; consumer: Consumer }
  | { ok: false; failure: AuthFailure }
  /** Not a key this gateway could know: no lookup was made (nothing to throttle). */
  | { ok: false; malformed: true };

export class StaticKeys {
  private byHash = new Map<string, StaticConsumer>();
  private seen = new Map<string, string>();

  /** The static consumer whose key this is, recomputing hashes only when a secret changed. */
  async find(hash: string, consumers: readonly StaticConsumer[], env: Record<string, unknown>) {
    let stale = consumers.length !== this.seen.size;
    for (const c of consumers) if (this.seen.get(c.keySecret) !== env[c.keySecret]) stale = true;
    if (stale) {
      const byHash = new Map<string, StaticConsumer>();
      const seen = new Map<string, string>();
      for (const c of consumers) {
        const key = env[c.keySecret];
        if (typeof key !== "string" || key === "") continue;
        seen.set(c.keySecret, key);
        byHash.set(await sha256Hex(key), c);
      }
      this.byHash = byHash;
      this.seen = seen;
    }
    return this.byHash.get(hash);
  }
}

export async function resolveKey(
  value: string,
  now: number,
  staticKeys: StaticKeys,
  consumers: readonly StaticConsumer[],
  env: Record<string, unknown>,
  replica: Replica,
  links: ReplicaLinks,
  /** The client's address is throttled: answer from what is confirmed here, look nothing up. */
  throttled = false,
): Promise<KeyResult> {
  const hash = await sha256Hex(value);
  const fixed = consumers.length ? await staticKeys.find(hash, consumers, env) : undefined;
  if (fixed)
    return {
      ok: true,
      consumer: { id: fixed.id, via: "static", plan: fixed.plan, models: fixed.models, routes: fixed.routes },
    };
  if (!RUNTIME_KEY.test(value)) return { ok: false, malformed: true };

  const key = keyRecordKey(hash);
  const confirmedBefore = replica.confirmedAt(key);
  const known = confirmedBefore !== undefined && now - confirmedBefore <= KEY_CONFIRM_MS;
  if (throttled && !known)
    return { ok: false, failure: { status: 429, kind: "throttled", message: "too many failed attempts" } };
  await replica.prepare([key], links, { expireMs: KEY_CONFIRM_MS, waitMs: KEY_WAIT_MS });
  const record = replica.get<KeyRecord>(key);
  const confirmed = replica.confirmedAt(key);
  if (!record || confirmed === undefined || now - confirmed > KEY_STALE_MS)
    return {
      ok: false,
      failure: {
        status: 503,
        kind: "unavailable",
        message: "the key could not be verified right now; try again",
      },
    };
  const r = record.value;
  const refused = (message: string): KeyResult => ({
    ok: false,
    failure: { status: 401, kind: "unauthorized", message, presented: true },
  });
  if (!r) return refused("the key is not valid");
  if (r.revokedAt) return refused("the key has been revoked");
  if (r.expiresAt && Date.parse(r.expiresAt) <= now) return refused("the key has expired");
  return {
    ok: true,
    consumer: {
      id: r.consumer,
      via: "key",
      keyId: r.id,
      plan: r.plan,
      models: r.models,
      routes: r.routes,
      limits: r.limits,
    },
  };
}
