// The isolate's side of a leased quota (lease.ts has the object's side and the guarantee). It
// spends its current lease with no I/O, asks for the next one in the background once the current
// one is half spent or about to lapse, and waits for the object only when nothing is left. Lease
// sizes follow this isolate's rate: about TARGET_LEASE_MS of its own demand.
import { type Clock, within } from "../clock";
import type { LeaseGrant, LeaseReport, RenewRequest } from "./lease";

/** A lease covers about this much of the isolate's demand. */
export const TARGET_LEASE_MS = 2000;
/** The next lease is asked for when this share of the current one is spent. */
const LOW_WATER = 0.5;
/** After a failed call, how long takes that need the object answer "unavailable" without one. */
export const UNAVAILABLE_BACKOFF_MS = 1000;
/** How long a take too big for what is left is refused without asking the object again. */
export const SCARCE_RECHECK_MS = 1000;
/** How long a request waits for a renewal another request started before it asks itself. */
export const JOIN_WAIT_MS = 1000;
/** The rate estimate follows about this much recent time. */
const RATE_SMOOTHING_MS = 500;

interface HeldLease {
  id: string;
  units: number;
  used: number;
  ttlMs: number;
  /** Local time after which nothing more may be spent (counted from when the request was sent). */
  until: number;
  /** Local time its window ends: a refund after that no longer matters. */
  windowEnd: number;
}

export type TakeResult =
  /** `lease`: the lease the units came from, to give back what the request did not use. */
  | { ok: true; waited: boolean; remaining: number; resetAt: number; limit: number; lease: string }
  /** `exhausted`: nothing left until `retryAt`; `unavailable`: the object could not be asked. */
  | { ok: false; reason: "exhausted" | "unavailable"; waited: boolean; retryAt: number; limit: number };

export class LeaseHolder {
  /** Calls made to the object, and how many of them a request had to wait for. */
  calls = 0;
  waits = 0;
  private current: HeldLease | undefined;
  private finished: HeldLease[] = [];
  /** Leases reported final, kept until their window ends for refunds that come later. */
  private closed: HeldLease[] = [];
  private renewing: Promise<boolean> | undefined;
  /** Nothing left anywhere until then (local time): refuse without asking. */
  private exhaustedUntil = 0;
  /** The object could not be reached: until then, takes that need it do not ask. */
  private downUntil = 0;
  /** Less left than a take asked for: takes above `remaining` are refused until `until`. */
  private scarce: { remaining: number; until: number } | undefined;
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
    // The object failed a moment ago: answered at once, not with one more failing call each.
    if (now < this.downUntil) return this.refused("unavailable", false, now);
    // Too little left for a take this size, a moment ago: refused without asking again.
    if (this.scarce && now < this.scarce.until && n > this.scarce.remaining)
      return this.refused("exhausted", false, now);
    this.waits += 1;
    // A renewal already on its way (asked for less) is waited for, then one that asks for `n`.
    for (let tries = 0; tries < 2; tries++) {
      const answered = await this.joinRenewal(n);
      const later = this.clock.now();
      if (this.spend(n, later)) {
        if (this.low(later)) waitUntil(this.renew());
        return this.admitted(true);
      }
      if (!answered) return this.refused("unavailable", true, later);
      if (later < this.exhaustedUntil) break;
    }
    return this.refused("exhausted", true, this.clock.now());
  }

  /**
   * Waits for the renewal on its way, or starts one. A renewal another request started is waited
   * for at most JOIN_WAIT_MS on this request's own timer: workerd may drop a continuation resolved
   * from another request's context, and a request with nothing of its own pending is then
   * cancelled as hung. Past the wait, this request asks for itself.
   */
  private async joinRenewal(n: number): Promise<boolean> {
    const running = this.renewing;
    if (running) {
      const answered = await within(this.clock, JOIN_WAIT_MS, running);
      if (answered !== undefined) return answered;
      return this.renewAlone(n);
    }
    return this.renew(undefined, n);
  }

  /** Reports finished leases (and gives back what is left) without asking for more. */
  async release(): Promise<void> {
    if (this.current) this.finish(this.current);
    this.current = undefined;
    if (this.finished.length) await this.renew(0);
  }

  private refused(reason: "exhausted" | "unavailable", waited: boolean, now: number): TakeResult {
    // Spent (or too little left for this request): nothing changes before the window ends.
    const retryAt = reason === "exhausted" ? Math.max(this.exhaustedUntil, this.resetAt) : now;
    return { ok: false, reason, waited, retryAt: Math.max(retryAt, now), limit: this.limit };
  }

  private admitted(waited: boolean): TakeResult {
    const lease = this.current as HeldLease;
    return {
      ok: true,
      waited,
      remaining: this.remaining + lease.units - lease.used,
      resetAt: this.resetAt,
      limit: this.limit,
      lease: lease.id,
    };
  }

  /**
   * Gives back `n` units a request took from `lease` and did not use (a completion shorter than
   * its estimate, a request refused by a later limit). To that lease only, never another: one of
   * the next window would then spend more than it was granted. A lease already reported is
   * reported again with its lower count (its window not over yet), so the object gets the units
   * back even when a long request ends after its lease.
   */
  refund(n: number, lease: string): void {
    const held = this.held(lease);
    if (!held) return;
    held.used = Math.max(0, held.used - n);
    this.reopen(held);
    // Room came back: a take refused for want of it asks again (and reports it, if need be).
    this.scarce = undefined;
    this.exhaustedUntil = 0;
  }

  /**
   * Counts `n` units spent after the fact, whether or not the lease has them (a completion longer
   * than its estimate): reported to the object with the lease, beyond the quota if need be.
   */
  spendAfter(n: number, lease: string): void {
    const held = this.held(lease) ?? this.current ?? this.finished[this.finished.length - 1];
    if (!held) return;
    held.used += n;
    this.reopen(held);
  }

  private held(id: string): HeldLease | undefined {
    if (this.current?.id === id) return this.current;
    return this.finished.find((l) => l.id === id) ?? this.closed.find((l) => l.id === id);
  }

  /** A reported lease whose count changed goes with the next call again. */
  private reopen(lease: HeldLease): void {
    const at = this.closed.indexOf(lease);
    if (at < 0) return;
    this.closed.splice(at, 1);
    this.finished.push(lease);
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
  private renew(want = this.wanted(), need?: number): Promise<boolean> {
    this.renewing ??= this.renewAlone(need, want).finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private wanted(): number {
    return Math.max(1, Math.ceil(this.rate * TARGET_LEASE_MS));
  }

  /** One call to the object; resolves true when it answered. */
  private async renewAlone(need?: number, want = this.wanted()): Promise<boolean> {
    const sentAt = this.clock.now();
    const reported = this.finished.map((lease) => ({ lease, used: lease.used }));
    const reports: LeaseReport[] = reported.map((r) => ({ id: r.lease.id, used: r.used, final: true }));
    const superseded = this.current;
    if (superseded) reports.push({ id: superseded.id, used: superseded.used, final: false });
    this.calls += 1;
    try {
      const grant = await this.call({
        holder: this.holder,
        want: Math.max(want, need ?? 0),
        need,
        reports,
      });
      // Reported leases are kept until their window ends, for refunds that come later; one whose
      // count changed while the call was on its way stays to be reported again, and one another
      // call of this holder already settled is left where that call put it.
      const now = this.clock.now();
      for (const r of reported) {
        const at = this.finished.indexOf(r.lease);
        if (at < 0 || r.lease.used !== r.used) continue;
        this.finished.splice(at, 1);
        if (r.lease.windowEnd > now) this.closed.push(r.lease);
      }
      this.closed = this.closed.filter((l) => l.windowEnd > now);
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
          windowEnd: sentAt + grant.resetInMs,
        };
        this.exhaustedUntil = 0;
        this.scarce = undefined;
      } else if (want > 0 && grant.remaining === 0) {
        this.exhaustedUntil = this.resetAt;
      } else if (need !== undefined) {
        // Some left, not enough for this take: other holders may give some back soon.
        this.scarce = {
          remaining: grant.remaining,
          until: Math.min(this.resetAt, this.clock.now() + SCARCE_RECHECK_MS),
        };
      }
      return true;
    } catch (error) {
      console.warn(
        JSON.stringify({ msg: "lease renewal failed", holder: this.holder, error: String(error) }),
      );
      this.downUntil = this.clock.now() + UNAVAILABLE_BACKOFF_MS;
      return false;
    }
  }
}
