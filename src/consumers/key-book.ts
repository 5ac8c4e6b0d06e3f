// The keys' owner, without the Durable Object around it: runtime keys by hash (their records are
// replicated as `key:<sha256 hex>`), created, listed, changed and revoked by operators. Every change
// takes the next version of one counter and is pushed to every relay that asked lately, so a
// revocation or a policy change reaches every location within the mechanism's ~2 s. Relays ask
// for what changed since the version they hold (a watermark record), so a relay's call costs the
// same with ten keys or a million.
import type { OwnerHub } from "../replication/owner-hub";
import { kindOf, type OwnerRequest, recordKey, type Versioned } from "../replication/record";
import { applyPatch, type KeyPatch, type KeyPolicy, type KeyRecord } from "./key-policy";

export const KEY_KIND = "key";
export const keyRecordKey = (hash: string) => recordKey(KEY_KIND, hash);
/** The watermark: "every change of this owner up to `version` is in this answer". */
export const KEY_WATERMARK = recordKey(KEY_KIND, "");

export interface StoredKey {
  hash: string;
  version: number;
  record: KeyRecord;
}

export interface KeyStorage {
  byHash(hash: string): StoredKey | undefined;
  byId(id: string): StoredKey | undefined;
  /** Keys changed after `version`, oldest change first, at most `limit`. */
  changedSince(version: number, limit: number): StoredKey[];
  all(): StoredKey[];
  put(key: StoredKey): void;
  version(): number;
  setVersion(version: number): void;
}

/** At most this many changed records in one answer; a relay behind by more catches up call by call. */
const MAX_CHANGES = 500;

export class KeyBook {
  constructor(
    private readonly storage: KeyStorage,
    private readonly hub: OwnerHub,
    private readonly waitUntil: (promise: Promise<unknown>) => void,
  ) {}

  replicate(request: OwnerRequest, now: number): Versioned[] {
    this.hub.seen(request.relay, now);
    const out: Versioned[] = [];
    for (const key of request.keys) {
      if (kindOf(key) !== KEY_KIND || key === KEY_WATERMARK) continue;
      const hash = key.slice(KEY_KIND.length + 1);
      const stored = this.storage.byHash(hash);
      // An unknown key is an answer too (value null), kept and replicated like any other.
      out.push(stored ? this.versioned(stored, now) : { key, value: null, version: 0, at: now });
    }
    let watermark = this.storage.version();
    if (request.since !== undefined && request.since < watermark) {
      const changes = this.storage.changedSince(request.since, MAX_CHANGES);
      for (const stored of changes) out.push(this.versioned(stored, now));
      if (changes.length === MAX_CHANGES) watermark = changes[changes.length - 1]?.version ?? watermark;
    }
    out.push({ key: KEY_WATERMARK, value: null, version: watermark, at: now });
    return out;
  }

  create(hash: string, id: string, hint: string, policy: KeyPolicy, now: number): KeyRecord {
    const record: KeyRecord = { ...policy, id, hint, createdAt: new Date(now).toISOString() };
    this.write(hash, record, now);
    return record;
  }

  list(): KeyRecord[] {
    return this.storage.all().map((k) => k.record);
  }

  get(id: string): KeyRecord | undefined {
    return this.storage.byId(id)?.record;
  }

  patch(id: string, patch: KeyPatch, now: number): KeyRecord | undefined {
    const stored = this.storage.byId(id);
    if (!stored) return undefined;
    const record = applyPatch(stored.record, patch);
    this.write(stored.hash, record, now);
    return record;
  }

  revoke(id: string, now: number): KeyRecord | undefined {
    const stored = this.storage.byId(id);
    if (!stored) return undefined;
    if (stored.record.revokedAt) return stored.record;
    const record = { ...stored.record, revokedAt: new Date(now).toISOString() };
    this.write(stored.hash, record, now);
    return record;
  }

  private write(hash: string, record: KeyRecord, now: number): void {
    const version = this.storage.version() + 1;
    this.storage.setVersion(version);
    const stored = { hash, version, record };
    this.storage.put(stored);
    // Every change is urgent: a revoked key must stop working everywhere at once.
    for (const sent of this.hub.push([this.versioned(stored, now)], now)) this.waitUntil(sent);
  }

  private versioned(stored: StoredKey, now: number): Versioned<KeyRecord> {
    return { key: keyRecordKey(stored.hash), value: stored.record, version: stored.version, at: now };
  }
}

/** The same storage in memory: for tests and the simulation. */
export class MemoryKeyStorage implements KeyStorage {
  private readonly hashes = new Map<string, StoredKey>();
  private readonly ids = new Map<string, string>();
  private current = 0;
  byHash(hash: string) {
    return this.hashes.get(hash);
  }
  byId(id: string) {
    const hash = this.ids.get(id);
    return hash === undefined ? undefined : this.hashes.get(hash);
  }
  changedSince(version: number, limit: number) {
    return [...this.hashes.values()]
      .filter((k) => k.version > version)
      .sort((a, b) => a.version - b.version)
      .slice(0, limit);
  }
  all() {
    return [...this.hashes.values()];
  }
  put(key: StoredKey) {
    this.hashes.set(key.hash, key);
    this.ids.set(key.record.id, key.hash);
  }
  version() {
    return this.current;
  }
  setVersion(version: number) {
    this.current = version;
  }
}
