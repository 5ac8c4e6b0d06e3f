// Limits: one object per limited subject (`consumer:<id>`, or a route's rate-limit key such as
// `rl:/api/*:ip:203.0.113.7`), owning its leased quotas, concurrency slots and budget
// (src/limits/subject-book.ts). Isolates lease request and token quotas from it, and an AI request
// of a consumer with a budget or a concurrency limit asks it once to admit, then settles in a batch.
// A consumer's object is the one place that sees its whole spend, so it sends the
// `budget_threshold` alerts (80 % and 100 %, once each per period), retried from its alarm.
import { DurableObject } from "cloudflare:workers";
import { loadGateway } from "../src/config/load";
import type { Gateway } from "../src/config/normalize";
import type { LeaseGrant, QuotaPolicy, RenewRequest } from "../src/limits/lease";
import {
  type Admission,
  type AdmitAnswer,
  admit,
  type Crossing,
  leaseFor,
  newSubject,
  type Settlement,
  type SubjectState,
  settle,
} from "../src/limits/subject-book";
import { budgetThresholdAlert } from "../src/observability/alerts/events";
import { objectAlertQueue } from "../src/observability/alerts/queue";

const KEY = "subject";
const CONSUMER_PREFIX = "consumer:";

export class Limits extends DurableObject<Env> {
  /** Replaced in tests to drive time. */
  now: () => number = () => Date.now();
  /** The config whose alerts apply: the deployed GATEWAY (replaced in tests, which bring their own). */
  gateway: () => Gateway | undefined = () => {
    const loaded = loadGateway(this.env.GATEWAY);
    return loaded.ok ? loaded.config : undefined;
  };
  private cached?: SubjectState;
  /** Budget alerts on their way out (reached into by tests, to wait for a delivery). */
  readonly alerts = objectAlertQueue({
    ctx: this.ctx,
    env: this.env,
    now: () => this.now(),
    gateway: () => this.gateway(),
  });

  private load(): SubjectState {
    this.cached ??= this.ctx.storage.kv.get<SubjectState>(KEY) ?? newSubject();
    return this.cached;
  }

  private save(): void {
    if (this.cached) this.ctx.storage.kv.put(KEY, this.cached);
  }

  async lease(quota: string, policy: QuotaPolicy, request: RenewRequest): Promise<LeaseGrant> {
    const grant = leaseFor(this.load(), quota, policy, request, this.now());
    this.save();
    return grant;
  }

  async admit(admission: Admission): Promise<AdmitAnswer> {
    const answer = admit(this.load(), admission, this.now());
    this.save();
    if (!answer.ok && answer.crossed) this.alert(answer.crossed);
    return answer;
  }

  /** Settles requests that ended; alerts the budget thresholds they crossed (80 %; 100 % if reached). */
  async settle(items: Settlement[]): Promise<Crossing[]> {
    const crossed = settle(this.load(), items, this.now());
    this.save();
    if (crossed.length) this.alert(crossed);
    return crossed;
  }

  async state(): Promise<SubjectState> {
    return this.load();
  }

  override async alarm(): Promise<void> {
    await this.alerts.deliverDue();
    const next = this.alerts.nextAt();
    if (next !== undefined) await this.ctx.storage.setAlarm(next);
  }

  private alert(crossed: Crossing[]): void {
    const name = this.ctx.id.name ?? "";
    // Only a consumer has a budget; its object is named for it.
    if (!name.startsWith(CONSUMER_PREFIX)) return;
    const consumer = name.slice(CONSUMER_PREFIX.length);
    let queued = false;
    for (const c of crossed)
      if (this.alerts.enqueue(budgetThresholdAlert({ consumer, ...c, at: this.now() }))) queued = true;
    if (queued) this.ctx.waitUntil(this.alerts.deliverDue());
  }
}
