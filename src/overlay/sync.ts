// The overlay in an isolate: one replicated record (`overlay:config`, owned by the ConfigOverlay
// object), read by every request from this isolate's memory and refreshed in the background like
// a backend's (src/replication), so a change reaches every isolate within about two seconds and no
// request waits for it, but a cold isolate's first, at most COLD_WAIT_MS once (then it serves the
// deployed config). The effective config (deployed + overlay) is parsed once per deployed config
// and overlay version, and kept: the request path only looks it up.
import type { Clock } from "../clock";
import type { ConfigResult } from "../config/normalize";
import type { Versioned } from "../replication/record";
import type { Replica, ReplicaLinks } from "../replication/replica";
import { type AppliedOverlay, applyOverlay } from "./apply";
import { DEFAULT_OVERLAY_NAME, type Overlay, overlayKey } from "./types";

/**
 * A request that finds the record known and asked for less than this long ago does not ask the
 * replica again (which refreshes only what is older than MEMORY_TTL_MS anyway): one clock read
 * instead of an async call on most requests.
 */
const PREPARE_EVERY_MS = 100;

export class OverlaySync {
  private readonly applied = new WeakMap<ConfigResult, AppliedOverlay>();
  private preparedAt = Number.NEGATIVE_INFINITY;
  readonly key: string;

  constructor(
    private readonly clock: Clock,
    private readonly replica: Replica,
    /** The ConfigOverlay object's name ("config"; tests use their own). */
    readonly name: string = DEFAULT_OVERLAY_NAME,
  ) {
    this.key = overlayKey(name);
  }

  /** Keeps the record fresh in the background; waits (COLD_WAIT_MS at most) only while it is unknown. */
  prepare(links: ReplicaLinks): Promise<void> | undefined {
    const now = this.clock.now();
    if (now - this.preparedAt < PREPARE_EVERY_MS && this.replica.get(this.key)) return undefined;
    this.preparedAt = now;
    return this.replica.prepare([this.key], links);
  }

  /** The overlay this isolate holds (undefined: none seen yet). */
  overlay(): Versioned<Overlay> | undefined {
    const record = this.replica.get<Overlay>(this.key);
    return record?.value ? record : undefined;
  }

  /** The effective config: the deployed one with the overlay this isolate holds, parsed once per version. */
  effective(deployed: ConfigResult, deployedRaw: unknown): AppliedOverlay {
    const overlay = this.overlay()?.value ?? { version: 0, changes: {} };
    const known = this.applied.get(deployed);
    if (known && known.version === overlay.version) return known;
    const applied = applyOverlay(deployed, deployedRaw, overlay);
    if (applied.notApplied.length > 0)
      console.warn(
        JSON.stringify({
          msg: "runtime changes that do not fit the deployed config are not applied",
          version: overlay.version,
          notApplied: applied.notApplied,
        }),
      );
    this.applied.set(deployed, applied);
    return applied;
  }

  /** A record fresh from the object (after a change): this isolate and its location see it at once. */
  adopt(record: Versioned<Overlay>, links?: ReplicaLinks): void {
    if (this.replica.adopt(record) && links)
      links.waitUntil(links.location.write({ record, storedAt: this.clock.now() }));
  }
}
