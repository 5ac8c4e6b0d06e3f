// /__aya/metrics read as Prometheus reads it, with parse-prometheus-text-format (a port of
// Prometheus' own client parser: it throws on any line the format does not allow). Its output
// merges a histogram's labelled series into one, so histograms are read a second time with their
// TYPE line turned to untyped: each `_bucket`, `_sum` and `_count` line then keeps its labels.
import parse, { type ParsedFamily, type ParsedSample } from "parse-prometheus-text-format";

export interface Metrics {
  families: Map<string, ParsedFamily>;
  /** A counter's or gauge's value for exactly these labels (undefined: no such series). */
  value(name: string, labels: Record<string, string>): number | undefined;
  /** Every series of a family: its labels and value. */
  series(name: string): { labels: Record<string, string>; value: number }[];
  /** A histogram series: cumulative buckets by `le`, sum and count. */
  histogram(
    name: string,
    labels: Record<string, string>,
  ): { buckets: Map<string, number>; sum: number; count: number } | undefined;
}

const same = (a: Record<string, string> | undefined, b: Record<string, string>) => {
  const x = a ?? {};
  const keys = new Set([...Object.keys(x), ...Object.keys(b)]);
  for (const k of keys) if ((x[k] ?? "") !== (b[k] ?? "")) return false;
  return true;
};

export function readMetrics(text: string): Metrics {
  const families = new Map(parse(text).map((f) => [f.name, f]));
  // Untyped, a histogram's series come back as one `_bucket`, `_sum` and `_count` family each,
  // series after series: gather them by name.
  const flat = new Map<string, ParsedSample[]>();
  for (const f of parse(text.replace(/^# TYPE (\S+) histogram$/gm, "# TYPE $1 untyped")))
    flat.set(f.name, [...(flat.get(f.name) ?? []), ...f.metrics]);
  const samples = (name: string) => flat.get(name) ?? [];
  const find = (name: string, labels: Record<string, string>) => {
    const found = samples(name).find((m) => same(m.labels, labels));
    return found?.value === undefined ? undefined : Number(found.value);
  };
  return {
    families,
    value: find,
    series: (name) => samples(name).map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) })),
    histogram(name, labels) {
      const buckets = new Map<string, number>();
      for (const m of samples(`${name}_bucket`)) {
        const { le, ...rest } = m.labels ?? {};
        if (le !== undefined && same(rest, labels)) buckets.set(le, Number(m.value));
      }
      const sum = find(`${name}_sum`, labels);
      const count = find(`${name}_count`, labels);
      if (sum === undefined || count === undefined) return undefined;
      return { buckets, sum, count };
    },
  };
}
