// A subject's limits, owned by its Limits object (one per consumer, one per route rate-limit key):
// its leased quotas (requests and tokens per window, lease.ts), its concurrency slots, and its
// budget: the spend of the current period and the reservations of requests still running.
// Slots and reservations carry a deadline, so an isolate that vanishes mid-request holds them
// only until then. Pure, on plain data, with the storage around it given.
import {
  type LeaseGrant,
  newQuota,
  type QuotaPolicy,
  type QuotaState,
  type RenewRequest,
  renewLease,
} from "./lease";
import { type Period, periodOf } from "./periods";

export interface SubjectState {
  quotas: Record<string, QuotaState>;
  /** Requests holding a concurrency slot, by request id: until when. */
  slots: Record<string, number>;
  budget?: {
    period: string;
    spentUsd: number;
    reservations: Record<string, { usd: number; until: number }>;
    /** Thresholds (percent) already reported for this period. */
    reported: number[];
  };
}

export const newSubject = (): SubjectState => ({ quotas: {}, slots: {} });

export interface Admission {
  id: string;
  /** How long a slot or reservation is held at most (the request's longest life). */
  ttlMs: number;
  concurrency?: number;
  budget?: { usd: number; period: Period; reserveUsd: number };
}

export type AdmitAnswer =
  | { ok: true; budget?: BudgetView }
  | {
      ok: false;
      reason: "concurrency" | "budget";
      retryAfterSeconds: number;
      budget?: BudgetView;
      /** The first budget refusal of a period: the budget is spent (its 100 % alert). */
      crossed?: Crossing[];
    };

export interface BudgetView {
  limitUsd: number;
  spentUsd: number;
  reservedUsd: number;
  period: string;
}

export interface Settlement {
  id: string;
  /** What the request really cost (settles its reservation); absent: no budget. */
  costUsd?: number;
  /** The budget it counts against, for a settlement that outlived its reservation. */
  budget?: { usd: number; period: Period };
}

/** Budget thresholds reported once each per period (CONTRACT §9: budget_threshold at 80 and 100 %). */
export const BUDGET_THRESHOLDS = [80, 100] as const;

/** A threshold a settlement crossed: what the budget alert says. */
export interface Crossing {
  percent: (typeof BUDGET_THRESHOLDS)[number];
  spentUsd: number;
  budgetUsd: number;
  period: Period;
  periodStart: number;
}

export function leaseFor(
  state: SubjectState,
  quota: string,
  policy: QuotaPolicy,
  request: RenewRequest,
  now: number,
): LeaseGrant {
  let q = state.quotas[quota];
  if (!q) {
    q = newQuota();
    state.quotas[quota] = q;
  }
  return renewLease(q, policy, request, now);
}

export function admit(state: SubjectState, a: Admission, now: number): AdmitAnswer {
  expire(state, now);
  const budget = a.budget && budgetState(state, a.budget.period, now);
  const view = () => (a.budget && budget ? viewOf(budget, a.budget.usd) : undefined);
  if (a.concurrency !== undefined && Object.keys(state.slots).length >= a.concurrency)
    return { ok: false, reason: "concurrency", retryAfterSeconds: 1, budget: view() };
  if (a.budget && budget) {
    const reserved = sum(budget.reservations);
    if (budget.spentUsd + reserved + a.budget.reserveUsd > a.budget.usd) {
      const end = periodOf(a.budget.period, now).end;
      const retryAfterSeconds = Number.isFinite(end) ? Math.max(1, Math.ceil((end - now) / 1000)) : 86_400;
      // Reservations keep the spend from passing the budget, so "100 %" is when it refuses.
      const spent = reach(budget, 100, a.budget.usd, a.budget.period, now);
      return { ok: false, reason: "budget", retryAfterSeconds, budget: view(), crossed: spent && [spent] };
    }
    budget.reservations[a.id] = { usd: a.budget.reserveUsd, until: now + a.ttlMs };
  }
  if (a.concurrency !== undefined) state.slots[a.id] = now + a.ttlMs;
  return { ok: true, budget: view() };
}

/** Settles requests that ended; returns the budget thresholds this crossed (once per period). */
export function settle(state: SubjectState, items: readonly Settlement[], now: number): Crossing[] {
  expire(state, now);
  const crossed: Crossing[] = [];
  for (const item of items) {
    delete state.slots[item.id];
    if (item.costUsd === undefined || !item.budget) continue;
    const budget = budgetState(state, item.budget.period, now);
    delete budget.reservations[item.id];
    budget.spentUsd += item.costUsd;
    for (const t of BUDGET_THRESHOLDS) {
      if (budget.spentUsd < (item.budget.usd * t) / 100) continue;
      const reached = reach(budget, t, item.budget.usd, item.budget.period, now);
      if (reached) crossed.push(reached);
    }
  }
  return crossed;
}

/** A threshold reached: reported once per period (undefined when it already was). */
function reach(
  budget: NonNullable<SubjectState["budget"]>,
  percent: Crossing["percent"],
  budgetUsd: number,
  period: Period,
  now: number,
): Crossing | undefined {
  if (budget.reported.includes(percent)) return undefined;
  budget.reported.push(percent);
  return { percent, spentUsd: budget.spentUsd, budgetUsd, period, periodStart: periodOf(period, now).start };
}

function budgetState(state: SubjectState, period: Period, now: number): NonNullable<SubjectState["budget"]> {
  const name = periodOf(period, now).name;
  if (!state.budget || state.budget.period !== name)
    state.budget = { period: name, spentUsd: 0, reservations: {}, reported: [] };
  return state.budget;
}

function expire(state: SubjectState, now: number): void {
  for (const [id, until] of Object.entries(state.slots)) if (now >= until) delete state.slots[id];
  // A reservation whose request never settled counts as spent: the call may have been billed.
  const budget = state.budget;
  if (!budget) return;
  for (const [id, r] of Object.entries(budget.reservations)) {
    if (now < r.until) continue;
    budget.spentUsd += r.usd;
    delete budget.reservations[id];
  }
}

const sum = (reservations: Record<string, { usd: number }>) =>
  Object.values(reservations).reduce((total, r) => total + r.usd, 0);

function viewOf(budget: NonNullable<SubjectState["budget"]>, limitUsd: number): BudgetView {
  return {
    limitUsd,
    spentUsd: budget.spentUsd,
    reservedUsd: sum(budget.reservations),
    period: budget.period,
  };
}
