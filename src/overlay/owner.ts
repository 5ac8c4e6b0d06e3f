// The owner's side of the overlay record, without the Durable Object around it: it keeps the
// overlay and its audit trail, validates each change against the deployed config the caller runs
// (change.ts), answers relays, and pushes every accepted change at once to every relay that asked
// lately, so that it reaches every location without waiting for a poll. ConfigOverlay wraps it
// with storage; `npm run sim` runs it as it is against simulated relays.
import type { OwnerHub } from "../replication/owner-hub";
import type { OwnerRequest, Versioned } from "../replication/record";
import { applyChange } from "./change";
import {
  type AuditEntry,
  type ChangeOutcome,
  type ChangeRequest,
  emptyOverlay,
  type Overlay,
  overlayKey,
} from "./types";

export interface OverlayStore {
  load(): Overlay | undefined;
  save(overlay: Overlay): void;
  appendAudit(entry: AuditEntry): void;
  /** Newest first, at most `limit`, older than version `before` when given. */
  audit(limit: number, before?: number): AuditEntry[];
}

export class OverlayOwner {
  private cached?: Overlay;

  constructor(
    private readonly store: OverlayStore,
    private readonly hub: OwnerHub,
    /** Keeps the owner alive while pushes are on their way (ctx.waitUntil). */
    private readonly waitUntil: (promise: Promise<unknown>) => void,
    /** The object's name: its record is `overlay:<name>`. */
    readonly name: string,
  ) {}

  overlay(): Overlay {
    this.cached ??= this.store.load() ?? emptyOverlay();
    return this.cached;
  }

  record(now: number): Versioned<Overlay> {
    const overlay = this.overlay();
    return { key: overlayKey(this.name), value: overlay, version: overlay.version, at: now };
  }

  /** A relay's call: it wants the record (and pushes of the next changes). */
  replicate(request: OwnerRequest, now: number): Versioned[] {
    this.hub.seen(request.relay, now);
    return request.keys.includes(overlayKey(this.name)) ? [this.record(now)] : [];
  }

  /** Validates and applies one change; on success every relay that asked lately hears of it now. */
  change(request: ChangeRequest, deployedRaw: unknown, now: number): ChangeOutcome {
    const result = applyChange(this.overlay(), request, deployedRaw, now);
    if (!result.ok) return result;
    if (!result.changed)
      return { ok: true, changed: false, record: this.record(now), summary: result.summary };
    this.cached = result.overlay;
    this.store.save(result.overlay);
    this.store.appendAudit(result.audit);
    const record = this.record(now);
    for (const sent of this.hub.push([record], now)) this.waitUntil(sent);
    return { ok: true, changed: true, record, audit: result.audit };
  }

  audit(limit: number, before?: number): AuditEntry[] {
    return this.store.audit(limit, before);
  }
}
