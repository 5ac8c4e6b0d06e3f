// Records that isolates read and Durable Objects own (DESIGN rule 10): a backend's health and
// circuit, a consumer key's verdict, the runtime overlay. One shape for all of them, so one
// replication mechanism carries every kind: isolate memory, then the location's Cache API,
// then a regional relay object, then the owning object.

/** `<kind>:<id>`: `backend:eu-1`, `key:<sha256>`, `overlay:config`. */
export type RecordKey = string;

export interface Versioned<T = unknown> {
  key: RecordKey;
  /** null: the owner has no such record. A negative answer is replicated like any other. */
  value: T | null;
  /** The owner's version, increasing with every change: a copy never goes back in time. */
  version: number;
  /** When the owner produced this value (the owner's clock, ms). */
  at: number;
}

/** A change an isolate sends towards a record's owner, folded with others on the way. */
export interface Write<D = unknown> {
  key: RecordKey;
  delta: D;
  /** Must reach the owner at once (a circuit that opened), not with the next batch. */
  urgent?: boolean;
}

/** An isolate's call to its relay: the records it wants and the writes it has batched. */
export interface ExchangeRequest {
  /** The isolate's id, so that a relay can keep one latest report per isolate. */
  from: string;
  keys: RecordKey[];
  writes: Write[];
}

/** A relay's call to an owner: the same, folded over every isolate the relay serves. */
export interface OwnerRequest {
  /** The relay's name: the owner pushes urgent changes back to the relays that asked. */
  relay: string;
  keys: RecordKey[];
  writes: Write[];
  /**
   * For owners of many records (keys): the relay holds every change up to this version, so the
   * answer needs only the records asked for, what changed since, and the owner's watermark
   * (`<kind>:` with the owner's version), instead of every record the relay holds.
   */
  since?: number;
}

/** What every owning Durable Object answers (its RPC method `replicate`). */
export interface RecordOwner {
  replicate(request: OwnerRequest): Promise<Versioned[]>;
}

/** What every relay answers: isolates exchange, owners push. */
export interface RelayLink {
  exchange(request: ExchangeRequest): Promise<Versioned[]>;
}

export const recordKey = (kind: string, id: string): RecordKey => `${kind}:${id}`;

export function kindOf(key: RecordKey): string {
  const colon = key.indexOf(":");
  return colon < 0 ? key : key.slice(0, colon);
}

export function idOf(key: RecordKey): string {
  const colon = key.indexOf(":");
  return colon < 0 ? "" : key.slice(colon + 1);
}

/** Whether `next` should replace `known`: a later version of the same record. */
export function isNewer(known: Versioned | undefined, next: Versioned): boolean {
  return !known || next.version > known.version;
}
