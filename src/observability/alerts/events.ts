// What an alert says. Every alert is one JSON object: `text` for Slack-compatible receivers
// (Slack, Mattermost, Discord's /slack endpoint, Google Chat take it as it is), and the event's
// own fields beside it for anything else. `id` names the event, not the delivery: a retried
// alert has the same id, so a receiver can drop a duplicate.
import type { HealthEvent } from "../health-events";

export type AlertEventName = "backend_unhealthy" | "backend_healthy" | "circuit_open" | "budget_threshold";

export interface Alert {
  id: string;
  event: AlertEventName;
  /** ISO 8601, when the owning object saw it. */
  at: string;
  /** One line for people, Slack-compatible. */
  text: string;
  [field: string]: unknown;
}

const ICON: Record<AlertEventName, string> = {
  backend_unhealthy: ":red_circle:",
  backend_healthy: ":large_green_circle:",
  circuit_open: ":warning:",
  budget_threshold: ":moneybag:",
};

/** The alert for a backend's health or circuit change; undefined for changes that are not alerted. */
export function healthAlert(e: HealthEvent, pool: string | undefined): Alert | undefined {
  if (e.kind === "circuit_closed") return undefined;
  const where = pool && pool !== e.backend ? `${e.backend} (pool ${pool})` : e.backend;
  const why = e.detail ? `: ${e.detail.replace(/[.\s]+$/, "")}` : "";
  const text = {
    backend_unhealthy: `aya: backend ${where} is unhealthy${why}. Traffic goes to the other backends.`,
    backend_healthy: `aya: backend ${where} is healthy again${why}.`,
    circuit_open: `aya: backend ${where} is failing; its circuit breaker opened${why}.`,
  }[e.kind];
  return {
    id: `${e.kind}:${e.backend}:${e.at}`,
    event: e.kind,
    at: new Date(e.at).toISOString(),
    text: `${ICON[e.kind]} ${text}`,
    backend: e.backend,
    pool: pool ?? null,
    detail: e.detail ?? null,
  };
}

export interface BudgetThreshold {
  consumer: string;
  /** 80 or 100: the share of the budget reached. */
  percent: 80 | 100;
  spentUsd: number;
  budgetUsd: number;
  period: "day" | "week" | "month" | "total";
  /** When the budget's period began (ms): one alert per threshold per period. */
  periodStart: number;
  /** When the spend crossed the threshold (ms). */
  at: number;
}

/**
 * The alert for a consumer's spend reaching 80 % or 100 % of its budget. The limits work (issue
 * 15) sends it from the budget's owning object, through that object's AlertQueue (queue.ts), once
 * per threshold per period: its id is the same however often it is asked for.
 */
export function budgetThresholdAlert(b: BudgetThreshold): Alert {
  const period = b.period === "total" ? "in total" : `this ${b.period}`;
  const verdict =
    b.percent >= 100
      ? "has spent its whole budget; its requests are refused"
      : `has spent ${b.percent} % of its budget`;
  return {
    id: `budget_threshold:${b.consumer}:${b.period}:${b.periodStart}:${b.percent}`,
    event: "budget_threshold",
    at: new Date(b.at).toISOString(),
    text: `${ICON.budget_threshold} aya: consumer ${b.consumer} ${verdict} (${usd(b.spentUsd)} of ${usd(b.budgetUsd)} ${period}).`,
    consumer: b.consumer,
    percent: b.percent,
    spentUsd: b.spentUsd,
    budgetUsd: b.budgetUsd,
    period: b.period,
    periodStart: new Date(b.periodStart).toISOString(),
  };
}

function usd(n: number): string {
  return `$${n.toFixed(n < 1 ? 4 : 2)}`;
}
