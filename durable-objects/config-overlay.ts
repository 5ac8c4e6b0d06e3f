// ConfigOverlay: the runtime changes operators make (backends added, changed, removed, drained,
// disabled, enabled; model aliases), as one versioned overlay on the deployed GATEWAY, and the
// audit trail of every change (src/overlay/owner.ts does the work). One object per deployment,
// named "config". Isolates read the overlay through relays like any replicated record (the
// request path never calls this object); the admin endpoints call it to change it, and every
// accepted change is pushed to the relays at once. Kept in the object's SQLite storage.
import { DurableObject } from "cloudflare:workers";
import { type Clock, systemClock } from "../src/clock";
import { OverlayOwner } from "../src/overlay/owner";
import {
  type AuditEntry,
  type ChangeOutcome,
  type ChangeRequest,
  DEFAULT_OVERLAY_NAME,
  type Overlay,
} from "../src/overlay/types";
import { OwnerHub } from "../src/replication/owner-hub";
import { relayByName } from "../src/replication/owners";
import type { OwnerRequest, Versioned } from "../src/replication/record";

const OVERLAY = "overlay";
const AUDIT = "audit:";
/** Audit lines kept; older ones are dropped as new ones come. */
export const AUDIT_KEPT = 1000;
const auditKey = (version: number) => `${AUDIT}${String(version).padStart(12, "0")}`;

export class ConfigOverlay extends DurableObject<Env> {
  /** Replaced in tests to drive time. */
  clock: Clock = systemClock;
  private readonly owner = new OverlayOwner(
    {
      load: () => this.ctx.storage.kv.get<Overlay>(OVERLAY),
      save: (overlay) => this.ctx.storage.kv.put(OVERLAY, overlay),
      appendAudit: (entry) => {
        this.ctx.storage.kv.put(auditKey(entry.version), entry);
        if (entry.version > AUDIT_KEPT) this.ctx.storage.kv.delete(auditKey(entry.version - AUDIT_KEPT));
      },
      audit: (limit, before) => {
        const options = { prefix: AUDIT, reverse: true, limit, ...(before ? { end: auditKey(before) } : {}) };
        return [...this.ctx.storage.kv.list<AuditEntry>(options)].map(([, entry]) => entry);
      },
    },
    new OwnerHub((relay, records) => relayByName(this.env, relay).push(records)),
    (promise) => this.ctx.waitUntil(promise),
    this.ctx.id.name ?? DEFAULT_OVERLAY_NAME,
  );

  /** A relay's call: the record out (there are no writes to fold). */
  replicate(request: OwnerRequest): Versioned[] {
    return this.owner.replicate(request, this.clock.now());
  }

  /** The overlay as it is now (admin endpoints and cron; the request path reads it through relays). */
  read(): Versioned<Overlay> {
    return this.owner.record(this.clock.now());
  }

  /** One change, validated against the caller's deployed GATEWAY (its raw binding). */
  change(request: ChangeRequest, deployed: unknown): ChangeOutcome {
    return this.owner.change(request, deployed, this.clock.now());
  }

  /** Newest first; `before`: only versions older than it (paging). */
  audit(limit: number, before?: number): AuditEntry[] {
    return this.owner.audit(limit, before);
  }
}
