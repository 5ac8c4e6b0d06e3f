// The isolate's batched writes to record owners (through its relay). Whatever the request rate,
// an isolate sends at most one batch every FLUSH_MS (± FLUSH_JITTER, so isolates that started
// together do not flush together), and an urgent write (a circuit that just opened, a provider's
// Retry-After) at once, from the request that caused it. A batch that cannot be sent is put back
// and tried again after RETRY_AFTER_ERROR_MS; nothing counted is lost.
import type { Clock } from "../clock";
import type { Write } from "./record";
import type { Replica, ReplicaLinks } from "./replica";
import { FLUSH_JITTER, FLUSH_MS, RETRY_AFTER_ERROR_MS } from "./timing";

/** Something in the isolate that accumulates writes: backend outcomes, later key usage. */
export interface WriteSource {
  /** Whether a write must leave now. */
  urgent(): boolean;
  /** Takes out everything accumulated so far (empty when nothing changed). */
  take(): Write[];
  /** Puts writes that could not be sent back, in front of what was counted since. */
  restore(writes: Write[]): void;
}

export class Outbox {
  /** Batches sent (relay calls made to write). */
  flushes = 0;
  private readonly sources: WriteSource[] = [];
  private nextAt = 0;
  private sending: Promise<void> | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly replica: Replica,
  ) {}

  register(source: WriteSource): void {
    this.sources.push(source);
  }

  /** Sends the batch in the background when it is due, or at once when a write is urgent. */
  flush(links: ReplicaLinks): void {
    if (this.sending) return;
    const now = this.clock.now();
    const urgent = this.sources.some((s) => s.urgent());
    if (!urgent && now < this.nextAt) return;
    this.nextAt = now + FLUSH_MS * (1 - FLUSH_JITTER + 2 * FLUSH_JITTER * this.clock.random());
    const taken = this.sources.map((source) => ({ source, writes: source.take() }));
    const writes = taken.flatMap((t) => t.writes);
    if (writes.length === 0) return;
    // Urgent writes come back as the owner's verdict at once (the circuit it now holds open).
    const keys = writes.filter((w) => w.urgent).map((w) => w.key);
    this.flushes += 1;
    this.sending = (async () => {
      let sent = false;
      try {
        const records = await links.relay.exchange({ from: this.replica.isolateId, keys, writes });
        for (const record of records) this.replica.adopt(record);
        sent = true;
      } catch (error) {
        for (const { source, writes } of taken) if (writes.length) source.restore(writes);
        this.nextAt = this.clock.now() + RETRY_AFTER_ERROR_MS;
        console.warn(JSON.stringify({ msg: "write flush failed", error: String(error) }));
      } finally {
        this.sending = undefined;
      }
      // An urgent write counted while this batch was on its way leaves now, not with a later request.
      if (sent && this.sources.some((s) => s.urgent())) this.flush(links);
    })();
    links.waitUntil(this.sending);
  }
}
