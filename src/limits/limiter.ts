// The isolate's side of limits: one LeaseHolder per (subject, quota, policy), so a request spends
// from its isolate's lease without a call; the once-per-request admission of a consumer with a
// budget or a concurrency limit; and settlements (costs, released slots), batched per subject and
// sent a second later from the request's waitUntil, so a burst of requests costs one call.
import { type Clock, sleep } from "../clock";
import type { LeaseGrant, QuotaPolicy, RenewRequest } from "./lease";
import { LeaseHolder, type TakeResult } from "./lease-holder";
import type { Admission, AdmitAnswer, Settlement } from "./subject-book";

export interface LimitsStub {
  lease(quota: string, policy: QuotaPolicy, request: RenewRequest): Promise<LeaseGrant>;
  admit(admission: Admission): Promise<AdmitAnswer>;
  settle(items: Settlement[]): Promise<number[]>;
}

export interface LimitsNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): LimitsStub;
}

/** Settlements wait this long to travel together. */
export const SETTLE_DELAY_MS = 1000;
const SETTLE_BATCH = 50;
const MAX_HOLDERS = 10_000;

export type Quota = "requests" | "tokens";

export class Limiter {
  /** Calls made: lease renewals, admissions, settlement batches. */
  calls = 0;
  private readonly holders = new Map<string, LeaseHolder>();
  private readonly pending = new Map<string, Settlement[]>();
  /** What to do with the budget thresholds a settlement crossed (alerts, when configured). */
  onThreshold: (subject: string, percent: number) => void = () => {};

  constructor(
    private readonly clock: Clock,
    private readonly isolateId: () => string,
  ) {}

  /** Takes that had to wait for a call (the lease was gone), over all holders. */
  get waits(): number {
    let total = 0;
    for (const h of this.holders.values()) total += h.waits;
    return total;
  }

  private stub(ns: LimitsNamespace, subject: string): LimitsStub {
    return ns.get(ns.idFromName(subject));
  }

  /** Takes `n` units of a subject's quota: from the isolate's lease, or after one call. */
  take(
    ns: LimitsNamespace,
    subject: string,
    quota: Quota,
    policy: QuotaPolicy,
    n: number,
    waitUntil: (p: Promise<unknown>) => void,
  ): Promise<TakeResult> {
    return this.holder(ns, subject, quota, policy).take(n, waitUntil);
  }

  /** Gives back units of a take that was not needed (a refused request, a shorter completion). */
  refund(ns: LimitsNamespace, subject: string, quota: Quota, policy: QuotaPolicy, n: number): void {
    if (n > 0) this.holder(ns, subject, quota, policy).refund(n);
  }

  /** Counts units spent beyond what was taken (a completion longer than its estimate). */
  spendAfter(ns: LimitsNamespace, subject: string, quota: Quota, policy: QuotaPolicy, n: number): void {
    if (n > 0) this.holder(ns, subject, quota, policy).spendAfter(n);
  }

  async admit(ns: LimitsNamespace, subject: string, admission: Admission): Promise<AdmitAnswer> {
    this.calls += 1;
    return this.stub(ns, subject).admit(admission);
  }

  /** Queues a settlement; the batch leaves SETTLE_DELAY_MS later (or at once when it is full). */
  settle(
    ns: LimitsNamespace,
    subject: string,
    item: Settlement,
    waitUntil: (p: Promise<unknown>) => void,
  ): void {
    const batch = this.pending.get(subject);
    if (batch) {
      batch.push(item);
      if (batch.length >= SETTLE_BATCH) waitUntil(this.flush(ns, subject));
      return;
    }
    this.pending.set(subject, [item]);
    waitUntil(sleep(this.clock, SETTLE_DELAY_MS).then(() => this.flush(ns, subject)));
  }

  private async flush(ns: LimitsNamespace, subject: string): Promise<void> {
    const items = this.pending.get(subject);
    this.pending.delete(subject);
    if (!items?.length) return;
    this.calls += 1;
    try {
      for (const percent of await this.stub(ns, subject).settle(items)) this.onThreshold(subject, percent);
    } catch (error) {
      // Unsent: the object releases slots and counts reservations as spent at their deadline.
      console.warn(JSON.stringify({ msg: "limits settlement failed", subject, error: String(error) }));
    }
  }

  private holder(ns: LimitsNamespace, subject: string, quota: Quota, policy: QuotaPolicy): LeaseHolder {
    const key = `${subject}\u0000${quota}\u0000${policy.limit}\u0000${policy.windowMs}`;
    let holder = this.holders.get(key);
    if (!holder) {
      if (this.holders.size >= MAX_HOLDERS) {
        const oldest = this.holders.keys().next().value;
        if (oldest !== undefined) this.holders.delete(oldest);
      }
      holder = new LeaseHolder(this.clock, this.isolateId(), (request) => {
        this.calls += 1;
        return this.stub(ns, subject).lease(quota, policy, request);
      });
      this.holders.set(key, holder);
    }
    return holder;
  }
}
