// Budget periods, in UTC: a day from 00:00, a week from Monday 00:00 (ISO weeks), a month from
// the 1st, or the whole life of the consumer. A period has a name (the ledger's and the budget's
// key) and an end (what Retry-After counts down to).
export type Period = "day" | "week" | "month" | "total";

export interface PeriodSpan {
  /** `2026-12-07`, `2026-W50`, `2026-12`, `total`. */
  name: string;
  start: number;
  /** When the next period starts (ms); Infinity for `total`. */
  end: number;
}

const DAY_MS = 86_400_000;

export function periodOf(period: Period, now: number): PeriodSpan {
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const dayStart = Date.UTC(y, m, d.getUTCDate());
  if (period === "day")
    return { name: new Date(dayStart).toISOString().slice(0, 10), start: dayStart, end: dayStart + DAY_MS };
  if (period === "month") {
    const start = Date.UTC(y, m, 1);
    return { name: new Date(start).toISOString().slice(0, 7), start, end: Date.UTC(y, m + 1, 1) };
  }
  if (period === "week") {
    const weekday = (d.getUTCDay() + 6) % 7; // Monday = 0
    const start = dayStart - weekday * DAY_MS;
    return { name: isoWeek(start), start, end: start + 7 * DAY_MS };
  }
  return { name: "total", start: 0, end: Number.POSITIVE_INFINITY };
}

/** `2026-W50`: the ISO week of the Monday `monday`. */
function isoWeek(monday: number): string {
  const thursday = new Date(monday + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const firstThursday =
    Date.UTC(year, 0, 1) + ((4 - new Date(Date.UTC(year, 0, 1)).getUTCDay() + 7) % 7) * DAY_MS;
  const week = 1 + Math.round((thursday.getTime() - firstThursday) / (7 * DAY_MS));
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/** The UTC day of `now` (`2026-12-07`), the ledger's row key. */
export const dayOf = (now: number) => new Date(now).toISOString().slice(0, 10);
