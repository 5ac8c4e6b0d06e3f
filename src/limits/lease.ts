// Leased quota (DESIGN rule 11): an object that owns a quota (a consumer's requests per minute)
// grants isolates leases of N units with a deadline; an isolate spends its lease locally, with no
// call, and asks for the next one before it runs out, so a request waits for the object only
// when its isolate's lease is gone. N follows the isolate's own rate.
//
// The guarantee, for any interleaving of isolates, delays, evictions and clock offsets:
//  - the object never has more units out than its quota: granted ≤ limit in every window;
//  - so accepted ≤ limit in every window: an isolate spends only units it was granted, and only
//    before its deadline, which it counts from when it *sent* the request (never later than the
//    object's own deadline, whatever the two clocks read);
//  - units spent after the fact (`LeaseHolder.spendAfter`: a completion longer than its estimate)
//    are counted as out when reported, beyond the quota if need be: that is the only overshoot;
//  - a lease comes back whole or in part when its holder reports it finished (returned, spent,
//    superseded or past its deadline); one whose holder never reports (an evicted isolate) is
//    counted as spent until the window ends. That costs admissions, never the limit.
// Windows are fixed (aligned to the epoch), as OpenAI's and most gateways' request limits are.

export interface QuotaPolicy {
  limit: number;
  windowMs: number;
  /** How long a lease may be spent: short, so that units held by a quiet isolate return soon. */
  leaseTtlMs: number;
  /** At most this share of what is left goes into one lease (at least 1 unit). */
  maxShare: number;
}

export interface LeaseRecord {
  holder: string;
  units: number;
  used: number;
  deadline: number;
}

export interface QuotaState {
  /** Index of the current window (floor(now / windowMs)). */
  window: number;
  /** Units out in this window: granted, minus what finished leases gave back. */
  granted: number;
  leases: Record<string, LeaseRecord>;
  /** Leases past their deadline without a final report: counted as spent, kept for a late report. */
  lapsed: Record<string, LeaseRecord>;
  /**
   * Leases reported final, kept for the window: a later report of the same lease (a request that
   * ended after it, giving units back or spending more) corrects its count.
   */
  closed?: Record<string, LeaseRecord>;
  nextId: number;
}

/** A holder's account of one of its leases. `final`: it will spend no more of it. */
export interface LeaseReport {
  id: string;
  used: number;
  final: boolean;
}

export interface RenewRequest {
  holder: string;
  want: number;
  /** What the holder needs at least, now (one request's units): granted whole or not at all. */
  need?: number;
  reports: LeaseReport[];
}

export interface LeaseGrant {
  /** Absent when nothing could be granted. */
  id?: string;
  units: number;
  /** How long the lease may be spent, from the object's grant. */
  ttlMs: number;
  /** Time until the window ends and the quota is whole again. */
  resetInMs: number;
  /** Units left for anybody after this grant. */
  remaining: number;
  limit: number;
}

/** After the deadline the object waits this long for a final report before it counts the lease spent. */
export const LAPSE_GRACE_MS = 1000;

export function newQuota(): QuotaState {
  return { window: -1, granted: 0, leases: {}, lapsed: {}, nextId: 1 };
}

/** The object's side: settle the holder's reports, then grant what it asks for, if anything is left. */
export function renewLease(
  state: QuotaState,
  policy: QuotaPolicy,
  request: RenewRequest,
  now: number,
): LeaseGrant {
  roll(state, policy, now);
  lapse(state, now);
  for (const report of request.reports) settle(state, request.holder, report);
  const windowEnd = (state.window + 1) * policy.windowMs;
  const available = Math.max(0, policy.limit - state.granted);
  const cap = Math.max(1, Math.floor(available * policy.maxShare));
  const need = Math.max(0, Math.floor(request.need ?? 0));
  // A need beyond what is left gets nothing (a partial lease could not serve it); otherwise the
  // lease covers the need, and more up to the share when the holder's rate asks for it.
  const units =
    need > available ? 0 : Math.max(need, Math.max(0, Math.min(Math.floor(request.want), available, cap)));
  const base = { resetInMs: windowEnd - now, limit: policy.limit };
  if (units === 0) return { ...base, units: 0, ttlMs: 0, remaining: available };
  const id = `${state.window}.${state.nextId++}`;
  const deadline = Math.min(now + policy.leaseTtlMs, windowEnd);
  state.leases[id] = { holder: request.holder, units, used: 0, deadline };
  state.granted += units;
  return { ...base, id, units, ttlMs: deadline - now, remaining: available - units };
}

function roll(state: QuotaState, policy: QuotaPolicy, now: number): void {
  const window = Math.floor(now / policy.windowMs);
  if (window === state.window) return;
  state.window = window;
  state.granted = 0;
  state.leases = {};
  state.lapsed = {};
  state.closed = {};
}

function lapse(state: QuotaState, now: number): void {
  for (const [id, lease] of Object.entries(state.leases)) {
    if (now <= lease.deadline + LAPSE_GRACE_MS) continue;
    delete state.leases[id];
    state.lapsed[id] = lease;
  }
}

function settle(state: QuotaState, holder: string, report: LeaseReport): void {
  const reported = Math.max(0, Math.floor(report.used));
  const closed = state.closed?.[report.id];
  if (closed) {
    // A correction of a lease already settled: what its requests gave back or spent after.
    if (closed.holder !== holder || !report.final) return;
    state.granted += reported - closed.used;
    closed.used = reported;
    return;
  }
  const lease = state.leases[report.id] ?? state.lapsed[report.id];
  // Another holder's id, or a lease of a window that has ended: nothing to settle.
  if (!lease || lease.holder !== holder) return;
  // More than the lease's units: spent after the fact (a completion longer than its estimate),
  // so counted as out (the overshoot the README's token bound states). A final report is the
  // holder's last word, refunds included (a completion shorter than its estimate); an interim
  // one only moves the count up, whatever order the holder's calls arrive in.
  const used = report.final ? reported : Math.max(lease.used, reported);
  lease.used = used;
  if (!report.final) return;
  state.granted -= lease.units - used;
  delete state.leases[report.id];
  delete state.lapsed[report.id];
  state.closed ??= {};
  state.closed[report.id] = lease;
}
