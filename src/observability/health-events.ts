// A backend's health and circuit changes, as its owning object sees them between one published
// snapshot and the next: the events it logs (once, for the whole edge), alerts on, and keeps a
// few of for the dashboard. A circuit's episode is one event each way: it opened (from closed),
// and it closed again; its half-open trials in between are not news.
import type { ProbeResult } from "../health/result";
import type { Snapshot } from "../state/protocol";

export type HealthEventKind = "backend_unhealthy" | "backend_healthy" | "circuit_open" | "circuit_closed";

export interface HealthEvent {
  kind: HealthEventKind;
  backend: string;
  /** When the owner saw it (ms). */
  at: number;
  /** What tells why, in a few words: the last probe's status or error, how long the circuit opened for. */
  detail?: string;
}

/** Events kept per backend for the dashboard's "recent events". */
export const RECENT_EVENTS = 20;

const NEVER_SEEN: Pick<Snapshot, "healthy" | "circuit"> = { healthy: null, circuit: "closed" };

function probeDetail(probe: ProbeResult | null): string | undefined {
  if (!probe) return undefined;
  if (probe.error) return probe.error;
  return probe.status !== undefined ? `status ${probe.status}` : undefined;
}

export function healthEvents(
  before: Pick<Snapshot, "healthy" | "circuit"> | undefined,
  after: Snapshot,
  lastProbe: ProbeResult | null,
  now: number,
): HealthEvent[] {
  const was = before ?? NEVER_SEEN;
  const events: HealthEvent[] = [];
  const event = (kind: HealthEventKind, detail?: string) =>
    events.push({ kind, backend: after.id, at: now, ...(detail ? { detail } : {}) });
  if (was.healthy !== false && after.healthy === false) event("backend_unhealthy", probeDetail(lastProbe));
  if (was.healthy === false && after.healthy === true) event("backend_healthy", probeDetail(lastProbe));
  if (was.circuit === "closed" && after.circuit === "open")
    event("circuit_open", `open for ${Math.round((after.openUntil - now) / 1000)} s`);
  if (was.circuit !== "closed" && after.circuit === "closed") event("circuit_closed");
  return events;
}

/** The event's log line: one JSON line, written once, by the backend's own object. */
export function healthLogLine(e: HealthEvent, pool: string | undefined): string {
  return JSON.stringify({
    event: e.kind,
    ts: new Date(e.at).toISOString(),
    backend: e.backend,
    pool: pool ?? null,
    detail: e.detail ?? null,
  });
}
