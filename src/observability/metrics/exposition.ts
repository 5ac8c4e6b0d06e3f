// The Prometheus text exposition format (version 0.0.4) of the edge's totals and the backends'
// gauges: HELP and TYPE for every family, series sorted, histograms with cumulative `_bucket`
// lines up to `le="+Inf"`, then `_sum` and `_count`.
import type { MetricsDelta } from "./delta";
import { FAMILIES, type Family } from "./families";
import { familyOf, labelsOf } from "./series";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** A gauge's value for one backend, from its replicated record. */
export interface GaugeSample {
  labels: string;
  value: number;
}

export interface Gauges {
  healthy: GaugeSample[];
  circuitOpen: GaugeSample[];
  inflight: GaugeSample[];
  latency: GaugeSample[];
}

/** A number as the text format writes it. */
function num(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Number.POSITIVE_INFINITY) return "+Inf";
  if (n === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(n);
}

function header(lines: string[], f: Family): void {
  lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`);
  lines.push(`# TYPE ${f.name} ${f.type}`);
}

function histogramLines(
  lines: string[],
  name: string,
  buckets: readonly number[],
  key: string,
  values: number[],
) {
  const labels = labelsOf(key);
  const sep = labels ? "," : "";
  let cumulative = 0;
  for (let i = 0; i <= buckets.length; i++) {
    cumulative += values[i] ?? 0;
    const le = i < buckets.length ? num(buckets[i] as number) : "+Inf";
    lines.push(`${name}_bucket{${labels}${sep}le="${le}"} ${cumulative}`);
  }
  const suffix = labels ? `{${labels}}` : "";
  lines.push(`${name}_sum${suffix} ${num(values[buckets.length + 1] ?? 0)}`);
  lines.push(`${name}_count${suffix} ${cumulative}`);
}

export function exposition(totals: MetricsDelta, gauges: Gauges): string {
  const byFamily = new Map<string, string[]>();
  for (const key of [...Object.keys(totals.c), ...Object.keys(totals.h)]) {
    const family = familyOf(key);
    let keys = byFamily.get(family);
    if (!keys) {
      keys = [];
      byFamily.set(family, keys);
    }
    keys.push(key);
  }
  const gaugeOf: Partial<Record<string, GaugeSample[]>> = {
    [FAMILIES.healthy.name]: gauges.healthy,
    [FAMILIES.circuitOpen.name]: gauges.circuitOpen,
    [FAMILIES.inflight.name]: gauges.inflight,
    [FAMILIES.latency.name]: gauges.latency,
  };
  const lines: string[] = [];
  for (const f of Object.values(FAMILIES) as Family[]) {
    header(lines, f);
    const samples = gaugeOf[f.name];
    if (samples) {
      for (const s of samples) lines.push(`${f.name}{${s.labels}} ${num(s.value)}`);
      continue;
    }
    for (const key of (byFamily.get(f.name) ?? []).sort()) {
      const buckets = f.buckets;
      const values = totals.h[key];
      if (buckets && values) histogramLines(lines, f.name, buckets, key, values);
      else if (!buckets) lines.push(`${key} ${num(totals.c[key] ?? 0)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
