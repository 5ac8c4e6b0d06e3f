// The owner's side of replication: which relays asked about its records lately, and the push of
// an urgent change (a circuit that opened, a key revoked) to each of them at once, so that no
// location waits for its next poll. Ordinary changes (in-flight counts, latency) travel with the
// relays' own calls, at most once a second each.
import type { Versioned } from "./record";

/** A relay that has not called for this long is no longer pushed to. */
export const SUBSCRIPTION_MS = 60_000;

export class OwnerHub {
  pushes = 0;
  private readonly relays = new Map<string, number>();

  constructor(private readonly send: (relay: string, records: Versioned[]) => Promise<void>) {}

  /** A relay called: it wants pushes for a while. */
  seen(relay: string, now: number): void {
    this.relays.set(relay, now);
  }

  /** Pushes records to every relay that called lately (but `except`, which gets them in its answer). */
  push(records: Versioned[], now: number, except?: string): Promise<void>[] {
    const sent: Promise<void>[] = [];
    for (const [relay, at] of this.relays) {
      if (now - at > SUBSCRIPTION_MS) {
        this.relays.delete(relay);
        continue;
      }
      if (relay === except) continue;
      this.pushes += 1;
      sent.push(
        this.send(relay, records).catch((error) => {
          // A relay that missed a push still gets the change with its next call.
          console.warn(JSON.stringify({ msg: "push to relay failed", relay, error: String(error) }));
        }),
      );
    }
    return sent;
  }

  get subscribers(): number {
    return this.relays.size;
  }
}
