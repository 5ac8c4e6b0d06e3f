// An owning object's alerts on their way out: queued in its storage when the event happens,
// sent at once, and on failure tried again with backoff from the object's alarm (RETRY_DELAYS_S,
// then given up with an error in the log). Storage-agnostic: BackendState uses it for health and
// circuit changes, and the budget owner (issue 15) for budget thresholds. An alert whose id was
// delivered lately is not sent again, so an event is sent once even if it is raised twice.
import { type Clock, systemClock } from "../../clock";
import type { AlertsConfig } from "../../config/normalize";
import type { Alert } from "./events";
import { deliver } from "./webhook";

/** Seconds before each retry: about 40 minutes of trying in all. */
export const RETRY_DELAYS_S = [10, 30, 60, 120, 300, 600, 600, 600] as const;
/** Alerts waiting at most; past it the oldest is given up (a receiver down for long, a flood). */
export const MAX_PENDING = 100;
/** Delivered ids remembered, so that an event raised again is not sent twice. */
const REMEMBERED = 200;

export interface PendingAlert {
  id: string;
  event: string;
  body: string;
  attempts: number;
  nextAt: number;
}

export interface AlertBacklog {
  pending: PendingAlert[];
  delivered: string[];
}

export interface AlertQueueHost {
  /** The owning object's storage (synchronous, as a Durable Object's `storage.kv`). */
  load(): AlertBacklog | undefined;
  save(backlog: AlertBacklog): void;
  clock: Pick<Clock, "now" | "setTimer">;
  /** The alerts configured now (undefined: none). */
  config(): AlertsConfig | undefined;
  /** A secret's value by name. */
  secret(name: string): string | undefined;
  /** Asks to be woken (deliverDue) at `at`: the object's alarm. */
  wake(at: number): Promise<void>;
  send?: typeof fetch;
}

export class AlertQueue {
  private readonly sending = new Set<string>();
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly host: AlertQueueHost) {}

  private backlog(): AlertBacklog {
    return this.host.load() ?? { pending: [], delivered: [] };
  }

  /** Queues the alert when alerts are configured for its event; false when they are not. */
  enqueue(alert: Alert): boolean {
    const config = this.host.config();
    if (!config?.events.includes(alert.event)) return false;
    const b = this.backlog();
    if (b.delivered.includes(alert.id) || b.pending.some((p) => p.id === alert.id)) return true;
    b.pending.push({
      id: alert.id,
      event: alert.event,
      body: JSON.stringify(alert),
      attempts: 0,
      nextAt: this.host.clock.now(),
    });
    while (b.pending.length > MAX_PENDING) {
      const dropped = b.pending.shift();
      console.error(JSON.stringify({ msg: "alert given up: too many waiting", id: dropped?.id }));
    }
    this.host.save(b);
    return true;
  }

  /** When the next alert is due (undefined: none waiting). One on its way now is not: it reschedules itself. */
  nextAt(): number | undefined {
    let next: number | undefined;
    for (const p of this.backlog().pending) {
      if (this.sending.has(p.id)) continue;
      if (next === undefined || p.nextAt < next) next = p.nextAt;
    }
    return next;
  }

  /** Sends every alert that is due (and not already on its way), then asks to be woken for the next. */
  async deliverDue(): Promise<void> {
    const config = this.host.config();
    const b = this.backlog();
    if (!config) {
      // Alerts were turned off: what waited is not sent.
      if (b.pending.length > 0) this.host.save({ ...b, pending: [] });
      return;
    }
    const now = this.host.clock.now();
    const due = b.pending.filter((p) => p.nextAt <= now && !this.sending.has(p.id));
    const sends = due.map((p) => this.attempt(p, config));
    for (const send of sends) {
      this.inflight.add(send);
      const forget = () => {
        this.inflight.delete(send);
      };
      send.then(forget, forget);
    }
    await Promise.all(sends);
    const next = this.nextAt();
    if (next !== undefined) await this.host.wake(next);
  }

  /** Resolves once every delivery on its way now has ended (tests, and status). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all(this.inflight);
  }

  private async attempt(alert: PendingAlert, config: AlertsConfig): Promise<void> {
    this.sending.add(alert.id);
    try {
      const secret = config.secretName ? this.host.secret(config.secretName) : undefined;
      // An unsigned alert would look forged to a receiver that checks: wait for the secret.
      const result =
        config.secretName && !secret
          ? { outcome: "retry" as const, error: `the secret ${config.secretName} is not set` }
          : await deliver({ url: config.webhookUrl, secret }, alert, this.host.clock, this.host.send);
      const b = this.backlog();
      const held = b.pending.find((p) => p.id === alert.id);
      if (!held) return;
      const done = () => {
        b.pending = b.pending.filter((p) => p !== held);
        b.delivered = [...b.delivered, held.id].slice(-REMEMBERED);
      };
      if (result.outcome === "delivered") done();
      else if (result.outcome === "refused") {
        done();
        console.error(
          JSON.stringify({ msg: "alert refused by the webhook", id: held.id, status: result.status }),
        );
      } else {
        held.attempts += 1;
        const delay = RETRY_DELAYS_S[held.attempts - 1];
        if (delay === undefined) {
          b.pending = b.pending.filter((p) => p !== held);
          console.error(
            JSON.stringify({
              msg: "alert given up after retries",
              id: held.id,
              attempts: held.attempts,
              ...result,
            }),
          );
        } else {
          held.nextAt = this.host.clock.now() + delay * 1000;
          console.warn(
            JSON.stringify({
              msg: "alert not delivered; will retry",
              id: held.id,
              inSeconds: delay,
              ...result,
            }),
          );
        }
      }
      this.host.save(b);
    } finally {
      this.sending.delete(alert.id);
    }
  }
}

/** What an owning Durable Object lends its alert queue. */
export interface AlertObject {
  ctx: DurableObjectState;
  env: unknown;
  now(): number;
  gateway(): { alerts?: AlertsConfig } | undefined;
}

const ALERTS_KEY = "alerts";

/**
 * The alert queue of a Durable Object: its backlog in the object's storage, the alerts of the
 * config it reads, secrets from its env, and its alarm to wake it for a retry (never later than
 * an alarm already set).
 */
export function objectAlertQueue(o: AlertObject): AlertQueue {
  return new AlertQueue({
    load: () => o.ctx.storage.kv.get<AlertBacklog>(ALERTS_KEY),
    save: (backlog) => o.ctx.storage.kv.put(ALERTS_KEY, backlog),
    clock: { now: () => o.now(), setTimer: systemClock.setTimer },
    config: () => o.gateway()?.alerts,
    secret: (name) => {
      const value = (o.env as Record<string, unknown>)[name];
      return typeof value === "string" ? value : undefined;
    },
    wake: async (at) => {
      const set = await o.ctx.storage.getAlarm();
      if (set === null || set > at) await o.ctx.storage.setAlarm(at);
    },
  });
}
