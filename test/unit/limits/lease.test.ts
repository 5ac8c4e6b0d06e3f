// Leased quota: the object never has more out than its quota, and isolates never accept more than
// the quota in a window, whatever the order in which calls arrive, however late, from isolates
// whose clocks disagree, that vanish holding leases, or report late.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type LeaseGrant,
  newQuota,
  type QuotaPolicy,
  type QuotaState,
  type RenewRequest,
  renewLease,
} from "../../../src/limits/lease";
import { JOIN_WAIT_MS, LeaseHolder, SCARCE_RECHECK_MS } from "../../../src/limits/lease-holder";
import { ManualClock } from "../../support/manual-clock";

const policy: QuotaPolicy = { limit: 20, windowMs: 60_000, leaseTtlMs: 5_000, maxShare: 0.25 };

describe("the object's side", () => {
  it("grants at most its quota, a share at a time, and takes back what finished leases did not use", () => {
    const q = newQuota();
    const a = renewLease(q, policy, { holder: "a", want: 100, reports: [] }, 1_000);
    expect(a.units).toBe(5); // a quarter of 20
    const b = renewLease(q, policy, { holder: "b", want: 100, reports: [] }, 1_000);
    expect(b.units).toBe(3); // a quarter of the 15 left
    expect(q.granted).toBe(8);
    renewLease(
      q,
      policy,
      { holder: "a", want: 0, reports: [{ id: a.id as string, used: 2, final: true }] },
      2_000,
    );
    expect(q.granted).toBe(5);
  });

  it("counts a lease whose holder never reports as spent, and gives its rest back on a late report", () => {
    const q = newQuota();
    const a = renewLease(q, policy, { holder: "a", want: 4, reports: [] }, 0);
    renewLease(q, policy, { holder: "b", want: 0, reports: [] }, 10_000); // a's lease has lapsed
    expect(q.granted).toBe(4);
    renewLease(
      q,
      policy,
      { holder: "a", want: 0, reports: [{ id: a.id as string, used: 1, final: true }] },
      11_000,
    );
    expect(q.granted).toBe(1);
  });

  it("starts every window whole, and no lease outlives its window", () => {
    const q = newQuota();
    const a = renewLease(q, { ...policy, leaseTtlMs: 60_000 }, { holder: "a", want: 5, reports: [] }, 59_000);
    expect(a.ttlMs).toBe(1_000);
    expect(a.resetInMs).toBe(1_000);
    const b = renewLease(q, policy, { holder: "b", want: 5, reports: [] }, 60_000);
    expect(b.remaining).toBe(15);
  });
});

type Command =
  | { op: "take"; holder: number; units: number }
  | { op: "refund"; pick: number; share: number }
  | { op: "deliver"; pick: number }
  | { op: "advance"; ms: number }
  | { op: "vanish"; holder: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      op: fc.constant("take" as const),
      holder: fc.nat(3),
      units: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("refund" as const),
      pick: fc.nat(20),
      share: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
  { weight: 8, arbitrary: fc.record({ op: fc.constant("deliver" as const), pick: fc.nat(10) }) },
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 400 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 6_000 }) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("vanish" as const), holder: fc.nat(3) }) },
);

/** Short windows and leases, so that runs cross many windows and outlive many leases. */
const churn: QuotaPolicy = { limit: 20, windowMs: 4_000, leaseTtlMs: 1_500, maxShare: 0.25 };

/** A holder on its own clock (the world's plus an offset), whose calls wait to be delivered. */
function world(offsets: number[], ownerOffset: number) {
  const policy = churn;
  const real = new ManualClock(0);
  const quota: QuotaState = newQuota();
  let peakGranted = 0;
  /** Calls on their way: to the object (no grant yet), or back to the holder (granted). */
  const inFlight: {
    holder: number;
    request: RenewRequest;
    grant?: LeaseGrant;
    resolve: (g: LeaseGrant) => void;
  }[] = [];
  const accepted = new Map<number, number>();
  /** Takes whose request has not ended: what it may give back, and to which holder and lease. */
  const open: { holder: LeaseHolder; window: number; units: number; lease: string }[] = [];
  const holders: (LeaseHolder | undefined)[] = [];
  const make = (i: number) => {
    const offset = offsets[i] ?? 0;
    const clock = { now: () => real.now() + offset, random: () => 0.5, setTimer: () => () => undefined };
    return new LeaseHolder(
      clock,
      `h${i}`,
      (request) => new Promise<LeaseGrant>((resolve) => inFlight.push({ holder: i, request, resolve })),
    );
  };
  for (let i = 0; i < 4; i++) holders.push(make(i));
  const ownerNow = () => real.now() + ownerOffset;
  return {
    quota,
    accepted,
    get peakGranted() {
      return peakGranted;
    },
    async run(c: Command) {
      if (c.op === "advance") real.advance(c.ms);
      if (c.op === "vanish") {
        // Its calls on the way are lost with it; a new isolate takes its place.
        for (let i = inFlight.length - 1; i >= 0; i--)
          if (inFlight[i]?.holder === c.holder) inFlight.splice(i, 1);
        holders[c.holder] = make(c.holder);
      }
      if (c.op === "deliver" && inFlight.length > 0) {
        const at = c.pick % inFlight.length;
        const call = inFlight[at];
        if (call && !call.grant) {
          call.grant = renewLease(quota, policy, call.request, ownerNow());
          peakGranted = Math.max(peakGranted, quota.granted);
        } else if (call?.grant) {
          inFlight.splice(at, 1);
          call.resolve(call.grant);
        }
      }
      if (c.op === "take") {
        const holder = holders[c.holder];
        void holder
          ?.take(c.units, () => undefined)
          .then((r) => {
            if (!r.ok) return;
            // Counted in the object's window at the moment the units were spent... which is when
            // the take resolved: now, in real time, read on the object's clock.
            const window = Math.floor(ownerNow() / policy.windowMs);
            accepted.set(window, (accepted.get(window) ?? 0) + c.units);
            open.push({ holder, window, units: c.units, lease: r.lease });
          });
      }
      if (c.op === "refund" && open.length > 0) {
        // A request ends having used less than it took (a short completion): the rest goes back,
        // and is no longer counted as spent in the window it was taken in.
        const [t] = open.splice(c.pick % open.length, 1);
        if (t && holders.includes(t.holder)) {
          const back = Math.floor(t.units * c.share);
          t.holder.refund(back, t.lease);
          accepted.set(t.window, (accepted.get(t.window) ?? 0) - back);
        }
      }
      // Let every chain that can move on (a delivered grant, a take it unblocks) run to its end.
      for (let i = 0; i < 50; i++) await Promise.resolve();
    },
  };
}

describe("leased quota under any interleaving", () => {
  it("never has more than the quota out, and never spends more than the quota in a window, refunds included", async () => {
    let total = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -3_000, max: 3_000 }), { minLength: 4, maxLength: 4 }),
        fc.integer({ min: -3_000, max: 3_000 }),
        fc.array(command, { minLength: 50, maxLength: 300 }),
        async (offsets, ownerOffset, commands) => {
          const w = world(offsets, ownerOffset);
          for (const c of commands) await w.run(c);
          expect(w.peakGranted).toBeLessThanOrEqual(churn.limit);
          for (const count of w.accepted.values()) expect(count).toBeLessThanOrEqual(churn.limit);
          total += [...w.accepted.values()].reduce((a, b) => a + b, 0);
        },
      ),
      { numRuns: 300, seed: 42 },
    );
    // The property is about something: the runs did accept requests, many of them.
    expect(total).toBeGreaterThan(2_000);
  });
});

describe("the isolate's side", () => {
  it("spends locally, asks again before it runs out, and waits only when nothing is left", async () => {
    const clock = new ManualClock(0);
    const q = newQuota();
    const big: QuotaPolicy = { limit: 10_000, windowMs: 60_000, leaseTtlMs: 10_000, maxShare: 0.25 };
    const background: Promise<unknown>[] = [];
    const holder = new LeaseHolder(clock, "h", async (r) => renewLease(q, big, r, clock.now()));
    let waited = 0;
    for (let i = 0; i < 1_000; i++) {
      clock.advance(10); // 100 a second
      const r = await holder.take(1, (p) => background.push(p));
      expect(r.ok).toBe(true);
      if (r.waited) waited += 1;
      await Promise.all(background.splice(0));
    }
    // The first request waits; then leases of about two seconds of demand are renewed ahead.
    expect(waited).toBe(1);
    expect(holder.calls).toBeLessThan(30);
  });

  it("refuses without asking once the object said the window is spent, and asks again when it ends", async () => {
    const clock = new ManualClock(0);
    const q = newQuota();
    const small: QuotaPolicy = { limit: 3, windowMs: 60_000, leaseTtlMs: 10_000, maxShare: 0.25 };
    const holder = new LeaseHolder(clock, "h", async (r) => renewLease(q, small, r, clock.now()));
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await holder.take(1, () => undefined));
    expect(results.map((r) => r.ok)).toEqual([true, true, true, false, false]);
    const calls = holder.calls;
    await holder.take(1, () => undefined);
    expect(holder.calls).toBe(calls);
    clock.advance(60_000);
    expect((await holder.take(1, () => undefined)).ok).toBe(true);
  });

  it("gives a refund back to the lease it was taken from, never to one of the next window", async () => {
    const clock = new ManualClock(0);
    const q = newQuota();
    const tight: QuotaPolicy = { limit: 4, windowMs: 60_000, leaseTtlMs: 60_000, maxShare: 1 };
    const holder = new LeaseHolder(clock, "h", async (r) => renewLease(q, tight, r, clock.now()));
    const first = await holder.take(3, () => undefined);
    expect(first.ok).toBe(true);
    // The same window: what the request did not use can be spent again.
    holder.refund(2, first.ok ? first.lease : "");
    expect((await holder.take(3, () => undefined)).ok).toBe(true);
    clock.advance(60_000);
    // The next window, spent whole; then a request of the last window gives back its units.
    const late = await holder.take(4, () => undefined);
    expect(late.ok).toBe(true);
    holder.refund(3, first.ok ? first.lease : "");
    expect((await holder.take(1, () => undefined)).ok).toBe(false);
    // Its own request's refund does make room again.
    holder.refund(1, late.ok ? late.lease : "");
    expect((await holder.take(1, () => undefined)).ok).toBe(true);
  });

  it("refuses a take bigger than what is left without asking again for a second, then asks", async () => {
    const clock = new ManualClock(0);
    const q = newQuota();
    const tokens: QuotaPolicy = { limit: 10, windowMs: 60_000, leaseTtlMs: 10_000, maxShare: 1 };
    // Another isolate holds 8 of the 10.
    const other = renewLease(q, tokens, { holder: "other", want: 8, need: 8, reports: [] }, 0);
    const holder = new LeaseHolder(clock, "h", async (r) => renewLease(q, tokens, r, clock.now()));
    expect((await holder.take(5, () => undefined)).ok).toBe(false);
    const calls = holder.calls;
    expect((await holder.take(5, () => undefined)).ok).toBe(false);
    expect(holder.calls).toBe(calls);
    // The other isolate gives its lease back unused; a second later the take asks, and fits.
    renewLease(
      q,
      tokens,
      { holder: "other", want: 0, reports: [{ id: other.id as string, used: 0, final: true }] },
      10,
    );
    clock.advance(SCARCE_RECHECK_MS);
    expect((await holder.take(5, () => undefined)).ok).toBe(true);
  });

  it("asks again at once when its own requests give units back, even after the object said none were left", async () => {
    const clock = new ManualClock(0);
    const q = newQuota();
    const tokens: QuotaPolicy = { limit: 10, windowMs: 60_000, leaseTtlMs: 10_000, maxShare: 1 };
    const holder = new LeaseHolder(clock, "h", async (r) => renewLease(q, tokens, r, clock.now()));
    const background: Promise<unknown>[] = [];
    const big = await holder.take(10, (p) => background.push(p));
    await Promise.all(background);
    expect((await holder.take(3, () => undefined)).ok).toBe(false);
    // The big request used 4 of its 10: the 6 it gives back are there for the next one.
    holder.refund(6, big.ok ? big.lease : "");
    expect((await holder.take(3, () => undefined)).ok).toBe(true);
  });

  it("gives the object back what a long request did not use, after its lease was reported", async () => {
    const clock = new ManualClock(0);
    const q = newQuota();
    const tokens: QuotaPolicy = { limit: 10, windowMs: 60_000, leaseTtlMs: 10_000, maxShare: 1 };
    const holder = new LeaseHolder(clock, "h", async (r) => renewLease(q, tokens, r, clock.now()));
    const background: Promise<unknown>[] = [];
    const stream = await holder.take(6, (p) => background.push(p));
    await Promise.all(background);
    // The leases end (reported: 6 used) while the request still streams.
    await holder.release();
    expect(q.granted).toBe(6);
    // It ends having used 1: the 5 go back with the next call, in the same window.
    holder.refund(5, stream.ok ? stream.lease : "");
    expect((await holder.take(8, () => undefined)).ok).toBe(true);
    expect(q.granted).toBeLessThanOrEqual(10);
  });

  it("reports every finished lease when two of its calls report the same one", async () => {
    const clock = new ManualClock(0);
    const q = newQuota();
    const wide: QuotaPolicy = { limit: 100, windowMs: 60_000, leaseTtlMs: 60_000, maxShare: 1 };
    const pending: { request: RenewRequest; resolve: (g: LeaseGrant) => void }[] = [];
    const holder = new LeaseHolder(
      clock,
      "h",
      (request) => new Promise<LeaseGrant>((resolve) => pending.push({ request, resolve })),
    );
    const settle = async () => {
      for (let i = 0; i < 20; i++) await Promise.resolve();
    };
    const deliver = async (at: number) => {
      const [call] = pending.splice(at, 1);
      call?.resolve(renewLease(q, wide, call.request, clock.now()));
      await settle();
    };
    const first = holder.take(5, () => undefined);
    await settle();
    await deliver(0);
    expect((await first).ok).toBe(true);
    // The lease is given back (call R, on its way); a request then waits for R, gives up on it
    // after JOIN_WAIT_MS and asks itself (call S): both report the first lease.
    void holder.release();
    await settle();
    const second = holder.take(1, () => undefined);
    await settle();
    clock.advance(JOIN_WAIT_MS);
    await settle();
    expect(pending).toHaveLength(2);
    await deliver(1);
    expect((await second).ok).toBe(true);
    // The second lease is finished too, and R, late, comes back.
    void holder.release();
    await settle();
    await deliver(0);
    // Whatever is still finished is reported: the object gets back all but the 6 units used.
    const last = holder.release();
    await settle();
    while (pending.length) await deliver(0);
    await last;
    expect(q.granted).toBe(6);
  });

  it("answers unavailable, not exhausted, when the object cannot be reached", async () => {
    const clock = new ManualClock(0);
    const holder = new LeaseHolder(clock, "h", async () => {
      throw new Error("unreachable");
    });
    const r = await holder.take(1, () => undefined);
    expect(r).toMatchObject({ ok: false, reason: "unavailable" });
  });
});
