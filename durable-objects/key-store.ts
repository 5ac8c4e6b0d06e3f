// KeyStore: the one object that owns every runtime key (src/consumers/key-book.ts does the work).
// Keys are kept by their SHA-256 in the object's SQLite storage, one row each, with the version of
// their last change, so a relay's "what changed since" is one indexed query. The key itself is
// never stored. Isolates reach it only through relays; operators through /__aya/keys.
import { DurableObject } from "cloudflare:workers";
import { KeyBook, type KeyStorage, type StoredKey } from "../src/consumers/key-book";
import type { KeyPatch, KeyPolicy, KeyRecord } from "../src/consumers/key-policy";
import { OwnerHub } from "../src/replication/owner-hub";
import { relayByName } from "../src/replication/owners";
import type { OwnerRequest, Versioned } from "../src/replication/record";

export class KeyStore extends DurableObject<Env> {
  /** Replaced in tests to drive time. */
  now: () => number = () => Date.now();
  private readonly book: KeyBook;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec(
      "CREATE TABLE IF NOT EXISTS keys (hash TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, version INTEGER NOT NULL, record TEXT NOT NULL)",
    );
    sql.exec("CREATE INDEX IF NOT EXISTS keys_by_version ON keys (version)");
    sql.exec("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
    this.book = new KeyBook(
      sqlStorage(sql),
      new OwnerHub((relay, records) => relayByName(this.env, relay).push(records)),
      (promise) => this.ctx.waitUntil(promise),
    );
  }

  async replicate(request: OwnerRequest): Promise<Versioned[]> {
    return this.book.replicate(request, this.now());
  }

  async create(hash: string, id: string, hint: string, policy: KeyPolicy): Promise<KeyRecord> {
    return this.book.create(hash, id, hint, policy, this.now());
  }

  async list(): Promise<KeyRecord[]> {
    return this.book.list();
  }

  async get(id: string): Promise<KeyRecord | null> {
    return this.book.get(id) ?? null;
  }

  async patch(id: string, patch: KeyPatch): Promise<KeyRecord | null> {
    return this.book.patch(id, patch, this.now()) ?? null;
  }

  async revoke(id: string): Promise<KeyRecord | null> {
    return this.book.revoke(id, this.now()) ?? null;
  }
}

function sqlStorage(sql: SqlStorage): KeyStorage {
  type Row = { hash: string; version: number; record: string };
  const toKey = (row: Row): StoredKey => ({
    hash: row.hash,
    version: row.version,
    record: JSON.parse(row.record) as KeyRecord,
  });
  const one = (query: string, ...params: unknown[]) => {
    const rows = sql.exec<Row>(query, ...params).toArray();
    return rows[0] ? toKey(rows[0]) : undefined;
  };
  return {
    byHash: (hash) => one("SELECT hash, version, record FROM keys WHERE hash = ?", hash),
    byId: (id) => one("SELECT hash, version, record FROM keys WHERE id = ?", id),
    changedSince: (version, limit) =>
      sql
        .exec<Row>(
          "SELECT hash, version, record FROM keys WHERE version > ? ORDER BY version LIMIT ?",
          version,
          limit,
        )
        .toArray()
        .map(toKey),
    all: () => sql.exec<Row>("SELECT hash, version, record FROM keys ORDER BY version").toArray().map(toKey),
    put: (key) => {
      sql.exec(
        "INSERT INTO keys (hash, id, version, record) VALUES (?, ?, ?, ?) ON CONFLICT (hash) DO UPDATE SET version = excluded.version, record = excluded.record",
        key.hash,
        key.record.id,
        key.version,
        JSON.stringify(key.record),
      );
    },
    version: () =>
      sql.exec<{ value: number }>("SELECT value FROM meta WHERE name = 'version'").toArray()[0]?.value ?? 0,
    setVersion: (version) => {
      sql.exec(
        "INSERT INTO meta (name, value) VALUES ('version', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        version,
      );
    },
  };
}
