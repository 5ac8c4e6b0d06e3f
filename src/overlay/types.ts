// The runtime overlay (DESIGN rule 12): the changes operators make while traffic flows, kept by
// the ConfigOverlay Durable Object as one versioned record and applied on top of the deployed
// GATEWAY in every isolate. One entry per thing changed (a backend of a pool, a model alias), so
// that each change can be reported, replaced or reverted on its own, and one that no longer fits
// a new deploy is set aside while the others still apply.
import { recordKey, type Versioned } from "../replication/record";

export const OVERLAY = "overlay";
/** The one overlay object a deployment has; tests give theirs other names so none share one. */
export const DEFAULT_OVERLAY_NAME = "config";
export const overlayKey = (name: string = DEFAULT_OVERLAY_NAME) => recordKey(OVERLAY, name);

/** What an operator sent to PUT a backend, as given (validated by the config's own schema). */
export type BackendInput = Record<string, unknown>;
/** What an operator sent to PUT a model alias, as given. */
export type ModelInput = Record<string, unknown>;

export type Rotation = "draining" | "disabled";

export interface BackendEntry {
  kind: "backend";
  pool: string;
  id: string;
  /** PUT: the backend's fields (url, weight, maxConnections), replacing the deployed ones. */
  set?: BackendInput;
  /** DELETE of a backend the deployed config has. */
  removed?: true;
  /** Drained or disabled: out of rotation for new requests, since `rotationSince`. */
  rotation?: Rotation;
  rotationSince?: number;
  /** Added, given a new URL or re-enabled then: its weight ramps up from here (slow start). */
  rampFrom?: number;
  /** The overlay version that last changed this entry, and when (the object's clock, ms). */
  version: number;
  at: number;
}

export interface ModelEntry {
  kind: "model";
  alias: string;
  set: ModelInput;
  version: number;
  at: number;
}

export type OverlayEntry = BackendEntry | ModelEntry;

export interface Overlay {
  /** Grows by one with every change; 0: nothing was ever changed. */
  version: number;
  /** By change key (`pools/eu/backends/eu-1`, `models/chat`). */
  changes: Record<string, OverlayEntry>;
}

export const emptyOverlay = (): Overlay => ({ version: 0, changes: {} });

export const backendChangeKey = (pool: string, id: string) => `pools/${pool}/backends/${id}`;
export const modelChangeKey = (alias: string) => `models/${alias}`;

/** A change as an endpoint asks for it; the object validates it against the caller's deployed config. */
export type ChangeRequest = { endpoint: string } & (
  | { op: "put-backend"; pool: string; id: string; body: unknown }
  | { op: "delete-backend" | "drain" | "disable" | "enable"; pool: string; id: string }
  | { op: "put-model"; alias: string; body: unknown }
  | { op: "revert"; key: string }
);

/** One line of GET /__aya/audit: when, which endpoint, what changed, the version it made. */
export interface AuditEntry {
  version: number;
  at: string;
  endpoint: string;
  /** The change key (`pools/eu/backends/eu-1`). */
  change: string;
  /** What changed, in a sentence: `eu-1 in pool eu: active → draining`. */
  summary: string;
  /** The entry before and after (undefined: none). */
  before?: OverlayEntry;
  after?: OverlayEntry;
}

/** What the object answers a change: the overlay record as it now is, and what changed. */
export type ChangeOutcome =
  | { ok: true; changed: true; record: Versioned<Overlay>; audit: AuditEntry }
  | { ok: true; changed: false; record: Versioned<Overlay>; summary: string }
  | { ok: false; problems: string[] };
