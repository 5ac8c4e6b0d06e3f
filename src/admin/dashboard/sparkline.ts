// A sparkline as inline SVG: a line over the last samples, scaled to its own maximum. Drawn by
// the server (no chart library, no script), so it shows before any script runs and under a CSP
// that allows no inline code.
import { html } from "hono/html";

const WIDTH = 120;
const HEIGHT = 24;

/** The SVG path of `values` (two points at least), scaled into the box with a 1px margin. */
export function sparkPath(values: readonly number[]): string {
  if (values.length < 2) return "";
  const max = Math.max(...values, 1e-9);
  const step = (WIDTH - 2) / (values.length - 1);
  return values
    .map((v, i) => {
      const x = 1 + i * step;
      const y = HEIGHT - 1 - (Math.max(0, v) / max) * (HEIGHT - 2);
      return `${i === 0 ? "M" : "L"}${x.toFixed(1)} ${y.toFixed(1)}`;
    })
    .join(" ");
}

/** `values` as a sparkline, labelled for screen readers; a flat line at the bottom when no data. */
export function sparkline(
  values: readonly number[],
  label: string,
  tone: "rate" | "error" | "latency" = "rate",
) {
  const d = sparkPath(values.length >= 2 ? values : [0, 0]);
  return html`<svg class="spark spark-${tone}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${label}"><path d="${d}" fill="none" stroke-width="1.5"/></svg>`;
}
