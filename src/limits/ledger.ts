// The spend ledger: requests, tokens and cost per consumer, model and UTC day, for the whole edge.
// Each isolate adds up what it served and sends it with its batched writes (the replication's
// outbox); relays fold their isolates' rows; the Ledger object keeps the sums (SQLite), and
// GET /__aya/usage reads them. Eventually consistent by design: a row reaches the ledger within
// about FLUSH_MS (5 s, ± 25 %) plus a relay's second. Budgets are enforced elsewhere, exactly
// (subject-book.ts); the ledger is the account.
import type { Fold } from "../replication/fold";
import type { WriteSource } from "../replication/outbox";
import { recordKey, type Write } from "../replication/record";

export const LEDGER_KIND = "ledger";
export const LEDGER_KEY = recordKey(LEDGER_KIND, "edge");

export interface LedgerRow {
  day: string;
  consumer: string;
  /** The provider's model as billed: `provider/model`. */
  model: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costUsd: number;
  /** Requests whose stream was cut: settled with what was used. */
  partial: number;
  /** Requests whose provider reported no usage: counted from the text, at four characters a token. */
  estimated: number;
}

export interface LedgerDelta {
  rows: LedgerRow[];
}

const rowKey = (r: Pick<LedgerRow, "day" | "consumer" | "model">) =>
  `${r.day}\u0000${r.consumer}\u0000${r.model}`;

/** What a ledger row counts, summed into `into`. */
export type LedgerCounts = Omit<LedgerRow, "day" | "consumer" | "model">;

export function addCounts(into: LedgerCounts, row: LedgerCounts): void {
  into.requests += row.requests;
  into.promptTokens += row.promptTokens;
  into.completionTokens += row.completionTokens;
  into.cachedTokens += row.cachedTokens;
  into.costUsd += row.costUsd;
  into.partial += row.partial;
  into.estimated += row.estimated;
}

export function addRow(into: Map<string, LedgerRow>, row: LedgerRow): void {
  const key = rowKey(row);
  const known = into.get(key);
  if (known) addCounts(known, row);
  else into.set(key, { ...row });
}

/** The isolate's rows since its last flush, as a WriteSource of the outbox. */
export class LedgerSource implements WriteSource {
  private rows = new Map<string, LedgerRow>();

  add(row: LedgerRow): void {
    addRow(this.rows, row);
  }

  urgent(): boolean {
    return false;
  }

  take(): Write[] {
    if (this.rows.size === 0) return [];
    const delta: LedgerDelta = { rows: [...this.rows.values()] };
    this.rows = new Map();
    return [{ key: LEDGER_KEY, delta }];
  }

  restore(writes: Write[]): void {
    for (const w of writes) for (const row of (w.delta as LedgerDelta).rows) this.add(row);
  }
}

/** How a relay folds its isolates' rows: sums per (day, consumer, model). */
export const ledgerFold: Fold<Map<string, LedgerRow>, LedgerDelta> = {
  add(held, delta) {
    const rows = held ?? new Map<string, LedgerRow>();
    for (const row of delta.rows) addRow(rows, row);
    return rows;
  },
  drain(held) {
    if (held.size === 0) return undefined;
    const rows = [...held.values()];
    held.clear();
    return { rows };
  },
  restore(held, delta) {
    for (const row of delta.rows) addRow(held, row);
  },
  idle(held) {
    return held.size === 0;
  },
};
