// The isolate's side of a leased quota (lease.ts has the object's side and the guarantee). It
// spends its current lease with no I/O, asks for the next one in the background once the current
// one is half spent or about to lapse, and waits for the object only when nothing is left. Lease
// sizes follow this isolate's rate: about TARGET_LEASE_MS of its own demand.
import type { Clock } from "../clock";
import type { LeaseGrant, LeaseReport, RenewRequest } from "./lease";

/** A lease covers about this much of the isolate's demand. */
export const TARGET_LEASE_MS = 2000;
/** The next lease is asked for when this share of the current one is spent. */
const LOW_WATER = 0.5;
/** The rate estimate follows about this much recent time. */
const RATE_SMOOTHING_MS = 500;

interface HeldLease {
  id: string;
  units: number;
  used: number;
  ttlMs: number;
  /** Local time after which nothing more may be spent (counted from when the request was sent). */
  until: number;
}

export type TakeResult =
  | { ok: true; waited: boolean; remaining: number; resetAt: number; limit: number }
  /** `exhausted`: nothing left until `retryAt`; `unavailable`: the object could not be asked. */
  | { ok: false; reason: "exhausted" | "unavailable"; waited: boolean; retryAt: number; limit: number };

export class LeaseHolder {
  /** Calls made to the object, and how many of them a request had to wait for. */
  calls = 0;
  waits = 0;
  private current: HeldLease | undefined;
  private finished: HeldLease[] = [];
  private renewing: Promise<boolean> | undefined;
  /** Nothing left anywhere until then (local time): refuse without asking. */
  private exhaustedUntil = 0;
  private resetAt = 0;
  private limit = 0;
  private remaining = 0;
  /** Spending rate, units per ms, smoothed. */
  private rate = 0;
  private lastTake = 0;

  constructor(
    private readonly clock: Clock,
    readonly holder: string,
    private readonly call: (request: RenewRequest) => Promise<LeaseGrant>,
  ) {}

  /** Takes `n` units for one request: from the lease when it can, else after one call to the object. */
  async take(n: number, waitUntil: (promise: Promise<unknown>) => void): Promise<TakeResult> {
    const now = this.clock.now();
    this.observe(n, now);
    if (this.spend(n, now)) {
      if (this.low(now)) waitUntil(this.renew());
      return this.admitted(false);
    }
    if (now < this.exhaustedUntil) return this.refused("exhausted", false, now);
    this.waits += 1;
    const answered = await this.renew();
    const later = this.clock.now();
    if (this.spend(n, later)) {
      if (this.low(later)) waitUntil(this.renew());
      return this.admitted(true);
    }
    return this.refused(answered ? "exhausted" : "unavailable", true, later);
  }

  /** Reports finished leases (and gives back what is left) without asking for more. */
  async release(): Promise<void> {
    if (this.current) this.finish(this.current);
    this.current = undefined;
    if (this.finished.length) await this.renew(0);
  }

  private refused(reason: "exhausted" | "unavailable", waited: boolean, now: number): TakeResult {
    return { ok: false, reason, waited, retryAt: Math.max(this.exhaustedUntil, now), limit: this.limit };
  }

  private admitted(waited: boolean): TakeResult {
    const left = this.current ? this.current.units - this.current.used : 0;
    return { ok: true, waited, remaining: this.remaining + left, resetAt: this.resetAt, limit: this.limit };
  }

  /**
   * Gives back `n` units taken for a request that used fewer (a completion shorter than its
   * estimate), while the lease they came from is still the one being spent.
   */
  refund(n: number): void {
    if (this.current) this.current.used = Math.max(0, this.current.used - n);
  }

  /**
   * Counts `n` units spent after the fact, whether or not the lease has them (a completion longer
   * than its estimate): reported to the object with the lease, beyond the quota if need be.
   */
  spendAfter(n: number): void {
    if (this.current) this.current.used += n;
    else if (this.finished.length) (this.finished[this.finished.length - 1] as HeldLease).used += n;
  }

  private spend(n: number, now: number): boolean {
    const lease = this.current;
    if (!lease) return false;
    if (now >= lease.until) {
      this.finish(lease);
      this.current = undefined;
      return false;
    }
    if (lease.units - lease.used < n) return false;
    lease.used += n;
    return true;
  }

  private low(now: number): boolean {
    const lease = this.current;
    if (!lease || this.renewing) return false;
    return lease.used >= lease.units * LOW_WATER || lease.until - now < lease.ttlMs / 4;
  }

  private observe(n: number, now: number): void {
    const gap = Math.max(1, now - this.lastTake);
    this.lastTake = now;
    const alpha = Math.min(1, gap / RATE_SMOOTHING_MS);
    this.rate = this.rate * (1 - alpha) + (n / gap) * alpha;
  }

  private finish(lease: HeldLease): void {
    this.finished.push(lease);
  }

  /**
   * One call at a time: reports finished leases, asks for about TARGET_LEASE_MS of demand.
   * Resolves true when the object answered.
   */
  private renew(want = Math.max(1, Math.ceil(this.rate * TARGET_LEASE_MS))): Promise<boolean> {
    this.renewing ??= (async () => {
      const sentAt = this.clock.now();
      const reports: LeaseReport[] = this.finished.map((l) => ({ id: l.id, used: l.used, final: true }));
      const superseded = this.current;
      if (superseded) reports.push({ id: superseded.id, used: superseded.used, final: false });
      this.calls += 1;
      try {
        const grant = await this.call({ holder: this.holder, want, reports });
        this.finished = this.finished.filter((l) => !reports.some((r) => r.final && r.id === l.id));
        this.limit = grant.limit;
        this.remaining = grant.remaining;
        this.resetAt = sentAt + grant.resetInMs;
        if (grant.id && grant.units > 0) {
          // The lease being spent is finished now; its final count goes with the next call.
          if (this.current) this.finish(this.current);
          this.current = {
            id: grant.id,
            units: grant.units,
            used: 0,
            ttlMs: grant.ttlMs,
            until: sentAt + grant.ttlMs,
          };
          this.exhaustedUntil = 0;
        } else if (want > 0 && grant.remaining === 0) {
          this.exhaustedUntil = this.resetAt;
        }
        return true;
      } catch (error) {
        console.warn(
          JSON.stringify({ msg: "lease renewal failed", holder: this.holder, error: String(error) }),
        );
        return false;
      } finally {
        this.renewing = undefined;
      }
    })();
    return this.renewing;
  }
}
