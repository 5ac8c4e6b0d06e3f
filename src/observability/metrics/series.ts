// A series is named by its family and label set exactly as the Prometheus text format writes it:
// `aya_requests_total{route="/api/*",pool="eu",backend="eu-1",status_class="2xx"}`. That string
// is the key isolates count under, relays and the metrics object sum by, and the exposition
// prints, so labels are escaped once, when a series is first counted.

/** Escapes a label value for the text format: backslash, double quote and line feed. */
export function escapeLabel(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

const escaped = new Map<string, string>();

/** escapeLabel, remembered: the same few config names are escaped on every request. */
export function label(value: string | null | undefined): string {
  const raw = value ?? "";
  let out = escaped.get(raw);
  if (out === undefined) {
    out = escapeLabel(raw);
    // Consumers are many but bounded; forget all at once rather than grow without end.
    if (escaped.size >= 4096) escaped.clear();
    escaped.set(raw, out);
  }
  return out;
}

/** The family a series key belongs to. */
export function familyOf(key: string): string {
  const brace = key.indexOf("{");
  return brace < 0 ? key : key.slice(0, brace);
}

/** The label set of a series key, without braces (`route="/x",pool="eu"`), or "". */
export function labelsOf(key: string): string {
  const brace = key.indexOf("{");
  return brace < 0 ? "" : key.slice(brace + 1, -1);
}

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The label values of a series key, unescaped. */
export function parseLabels(key: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of labelsOf(key).matchAll(LABEL)) {
    const name = m[1] as string;
    const value = (m[2] as string).replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
