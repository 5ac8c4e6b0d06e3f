// Metrics: the edge's counters and histograms, summed (src/observability/metrics/owner.ts does
// the work). One object, `edge`, owns the `metrics:edge` record: relays forward what their
// isolates counted, folded, at most once a second each, so its load is about one call a second
// per relay whatever the traffic (`npm run sim` measures it). /__aya/metrics and the dashboard
// read it. Totals are kept in memory and saved at most every SAVE_MS (a storage write on every
// relay call would cost a row write each): an eviction loses at most that much counting.
import { DurableObject } from "cloudflare:workers";
import type { MetricsDelta } from "../src/observability/metrics/delta";
import { MetricsOwner, type MetricsState, type Sample } from "../src/observability/metrics/owner";
import type { OwnerRequest, Versioned } from "../src/replication/record";

const KEY = "metrics";
const SAVE_MS = 10_000;

export class Metrics extends DurableObject<Env> {
  /** Replaced in tests to drive time. */
  now: () => number = () => Date.now();
  private loaded?: MetricsOwner;
  private saveAt: number | undefined;

  private get owner(): MetricsOwner {
    this.loaded ??= new MetricsOwner(this.ctx.storage.kv.get<MetricsState>(KEY));
    return this.loaded;
  }

  /** A relay's call: its isolates' counts, folded. Nothing comes back. */
  async replicate(request: OwnerRequest): Promise<Versioned[]> {
    const records = this.owner.replicate(request, this.now());
    await this.saveSoon();
    return records;
  }

  /** The edge's totals and the dashboard's history, as of now. */
  async snapshot(): Promise<{ totals: MetricsDelta; history: Sample[] }> {
    if (this.owner.sample(this.now())) await this.saveSoon();
    return this.owner.state();
  }

  override async alarm(): Promise<void> {
    this.saveAt = undefined;
    this.ctx.storage.kv.put(KEY, this.owner.state());
  }

  private async saveSoon(): Promise<void> {
    if (this.saveAt !== undefined) return;
    this.saveAt = this.now() + SAVE_MS;
    const set = await this.ctx.storage.getAlarm();
    if (set === null || set > this.saveAt) await this.ctx.storage.setAlarm(this.saveAt);
  }
}
