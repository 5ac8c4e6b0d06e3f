// The Metrics object's work, without the Durable Object around it: the edge's totals (every
// relay's folded writes added up), and a short history of per-backend samples for the
// dashboard's sparklines. durable-objects/metrics.ts keeps it in storage; `npm run sim` runs it
// as it is against simulated relays.
import type { OwnerRequest, Versioned } from "../../replication/record";
import { addDelta, countOf, emptyDelta, type MetricsDelta } from "./delta";
import { FAMILIES } from "./families";
import { familyOf, parseLabels } from "./series";

/** Series the edge keeps at most; past it new series are dropped and counted. */
export const MAX_SERIES = 20_000;
/** The dashboard's history: a sample at most this often, this many kept (15 minutes). */
export const SAMPLE_MS = 10_000;
export const HISTORY_SAMPLES = 90;

/** Cumulative totals at one moment; rates are differences between samples. */
export interface Sample {
  at: number;
  /** Requests and 5xx answers, every route together. */
  requests: number;
  errors: number;
  /** Cache lookups (hit, miss, stale), and those answered from the cache (hit or stale). */
  cacheLookups: number;
  cacheHits: number;
  /** By backend (or provider): [requests, 5xx answers, upstream seconds, upstream observations]. */
  backends: Record<string, number[]>;
}

export interface MetricsState {
  totals: MetricsDelta;
  history: Sample[];
}

export class MetricsOwner {
  readonly totals: MetricsDelta;
  readonly history: Sample[];

  constructor(state?: MetricsState) {
    this.totals = state?.totals ?? emptyDelta();
    this.history = state?.history ?? [];
  }

  /** A relay's call (or the admin path's own flush): its writes added to the totals. */
  replicate(request: Pick<OwnerRequest, "writes">, now: number): Versioned[] {
    for (const write of request.writes)
      addDelta(this.totals, write.delta as MetricsDelta, MAX_SERIES, FAMILIES.dropped.name);
    this.sample(now);
    // Nothing is replicated back: isolates only write this record; /__aya/metrics reads it here.
    return [];
  }

  /** Takes a history sample when the last one is SAMPLE_MS old; true when it did. */
  sample(now: number): boolean {
    const last = this.history[this.history.length - 1];
    if (last && now - last.at < SAMPLE_MS) return false;
    this.history.push(sampleOf(this.totals, now));
    if (this.history.length > HISTORY_SAMPLES) this.history.splice(0, this.history.length - HISTORY_SAMPLES);
    return true;
  }

  state(): MetricsState {
    return { totals: this.totals, history: this.history };
  }
}

function sampleOf(totals: MetricsDelta, at: number): Sample {
  const s: Sample = { at, requests: 0, errors: 0, cacheLookups: 0, cacheHits: 0, backends: {} };
  const backend = (id: string) => {
    let b: number[] | undefined = Object.hasOwn(s.backends, id) ? s.backends[id] : undefined;
    if (!b) {
      b = [0, 0, 0, 0];
      Object.defineProperty(s.backends, id, {
        value: b,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return b;
  };
  for (const [key, n] of Object.entries(totals.c)) {
    const family = familyOf(key);
    if (family === FAMILIES.requests.name) {
      const labels = parseLabels(key);
      const error = labels.status_class === "5xx" ? n : 0;
      s.requests += n;
      s.errors += error;
      if (labels.backend) {
        const b = backend(labels.backend);
        b[0] = (b[0] ?? 0) + n;
        b[1] = (b[1] ?? 0) + error;
      }
    } else if (family === FAMILIES.cache.name) {
      const result = parseLabels(key).result;
      // A bypass never looked in the cache: not part of the hit ratio.
      if (result !== "bypass") s.cacheLookups += n;
      if (result === "hit" || result === "stale") s.cacheHits += n;
    }
  }
  for (const [key, values] of Object.entries(totals.h)) {
    if (familyOf(key) !== FAMILIES.upstreamDuration.name) continue;
    const id = parseLabels(key).backend;
    if (!id) continue;
    const b = backend(id);
    b[2] = (b[2] ?? 0) + (values[values.length - 1] ?? 0);
    b[3] = (b[3] ?? 0) + countOf(values);
  }
  return s;
}
