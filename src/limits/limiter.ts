// The isolate's side of limits: one LeaseHolder per (subject, quota, policy), so a request spends
// from its isolate's lease without a call; the once-per-request admission of a consumer with a
// budget or a concurrency limit; and settlements (costs, released slots), one call at a time per
// subject, what arrives meanwhile batched into the next.
import type { Clock } from "../clock";
import type { LeaseGrant, QuotaPolicy, RenewRequest } from "./lease";
import { LeaseHolder, type TakeResult } from "./lease-holder";
import type { Admission, AdmitAnswer, Settlement } from "./subject-book";

export interface LimitsStub {
  lease(quota: string, policy: QuotaPolicy, request: RenewRequest): Promise<LeaseGrant>;
  admit(admission: Admission): Promise<AdmitAnswer>;
  settle(items: Settlement[]): Promise<unknown>;
}

export interface LimitsNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): LimitsStub;
}

const MAX_HOLDERS = 10_000;
/** How long a budget refusal is repeated locally before the object is asked again. */
export const BUDGET_RECHECK_MS = 1000;

export type Quota = "requests" | "tokens";

export class Limiter {
  /** Calls made: lease renewals, admissions, settlement batches. */
  calls = 0;
  private readonly holders = new Map<string, LeaseHolder>();
  private readonly pending = new Map<string, Settlement[]>();
  /** Subjects whose budget refused an admission lately: what was left, until when to trust it. */
  private readonly shortOf = new Map<
    string,
    { limitUsd: number; leftUsd: number; until: number; answer: AdmitAnswer }
  >();

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

  /** Gives back units of a take (from `lease`) that were not needed: a refused request, a shorter completion. */
  refund(
    ns: LimitsNamespace,
    subject: string,
    quota: Quota,
    policy: QuotaPolicy,
    n: number,
    lease: string,
  ): void {
    if (n > 0) this.holder(ns, subject, quota, policy).refund(n, lease);
  }

  /** Counts units spent beyond what was taken from `lease` (a completion longer than its estimate). */
  spendAfter(
    ns: LimitsNamespace,
    subject: string,
    quota: Quota,
    policy: QuotaPolicy,
    n: number,
    lease: string,
  ): void {
    if (n > 0) this.holder(ns, subject, quota, policy).spendAfter(n, lease);
  }

  /**
   * A concurrency slot and a budget reservation, in one call. After a budget refusal, admissions
   * that reserve more than was left are refused here for BUDGET_RECHECK_MS without a call: a client
   * retrying a spent budget in a loop costs its object one call a second per isolate, not one per
   * request. This isolate's own settlements (which free reservations) end that at once.
   */
  async admit(ns: LimitsNamespace, subject: string, admission: Admission): Promise<AdmitAnswer> {
    const now = this.clock.now();
    const short = this.shortOf.get(subject);
    if (short && now < short.until && admission.budget && admission.budget.usd === short.limitUsd) {
      if (admission.budget.reserveUsd > short.leftUsd) return short.answer;
    }
    this.calls += 1;
    const answer = await this.stub(ns, subject).admit(admission);
    const view = answer.budget;
    if (!answer.ok && answer.reason === "budget" && view) {
      if (this.shortOf.size >= MAX_HOLDERS) this.shortOf.clear();
      this.shortOf.set(subject, {
        limitUsd: view.limitUsd,
        leftUsd: view.limitUsd - view.spentUsd - view.reservedUsd,
        until: now + BUDGET_RECHECK_MS,
        answer,
      });
    }
    return answer;
  }

  /**
   * Sends a settlement: at once when nothing is on its way to that subject, else with the batch
   * that leaves as soon as the call on its way returns (so a burst costs a few calls, and no
   * settlement waits for a timer).
   */
  settle(
    ns: LimitsNamespace,
    subject: string,
    item: Settlement,
    waitUntil: (p: Promise<unknown>) => void,
  ): void {
    this.shortOf.delete(subject);
    const queued = this.pending.get(subject);
    if (queued) {
      queued.push(item);
      return;
    }
    this.pending.set(subject, [item]);
    waitUntil(this.flush(ns, subject));
  }

  private async flush(ns: LimitsNamespace, subject: string): Promise<void> {
    for (;;) {
      const items = this.pending.get(subject);
      if (!items?.length) {
        this.pending.delete(subject);
        return;
      }
      // Whatever is settled from now on waits for this call, and goes with the next.
      this.pending.set(subject, []);
      this.calls += 1;
      try {
        // Budget thresholds crossed are alerted by the object itself (durable-objects/limits.ts).
        await this.stub(ns, subject).settle(items);
      } catch (error) {
        // Unsent: the object releases slots and counts reservations as spent at their deadline.
        console.warn(JSON.stringify({ msg: "limits settlement failed", subject, error: String(error) }));
      }
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
