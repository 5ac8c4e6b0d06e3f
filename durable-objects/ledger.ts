// Ledger: the one object that keeps the edge's spend account (src/limits/ledger.ts): rows per
// UTC day, consumer and model in SQLite, added to by relays with their isolates' folded writes,
// read by GET /__aya/usage.
import { DurableObject } from "cloudflare:workers";
import type { LedgerDelta, LedgerRow } from "../src/limits/ledger";
import type { OwnerRequest, Versioned } from "../src/replication/record";

export interface UsageQuery {
  consumer?: string;
  from?: string;
  to?: string;
  groupBy: "day" | "model" | "consumer";
}

export type UsageLine = Omit<LedgerRow, "day" | "consumer" | "model"> & {
  day?: string;
  consumer?: string;
  model?: string;
};

export class Ledger extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS usage (
      day TEXT NOT NULL, consumer TEXT NOT NULL, model TEXT NOT NULL,
      requests INTEGER NOT NULL, prompt INTEGER NOT NULL, completion INTEGER NOT NULL, cached INTEGER NOT NULL,
      cost REAL NOT NULL, partial INTEGER NOT NULL, estimated INTEGER NOT NULL,
      PRIMARY KEY (day, consumer, model))`);
  }

  /** A relay's folded rows: added to the account. Nothing is read back through replication. */
  async replicate(request: OwnerRequest): Promise<Versioned[]> {
    for (const write of request.writes) for (const row of (write.delta as LedgerDelta).rows) this.add(row);
    return [];
  }

  private add(r: LedgerRow): void {
    this.ctx.storage.sql.exec(
      `INSERT INTO usage VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (day, consumer, model) DO UPDATE SET requests = requests + excluded.requests,
         prompt = prompt + excluded.prompt, completion = completion + excluded.completion,
         cached = cached + excluded.cached, cost = cost + excluded.cost,
         partial = partial + excluded.partial, estimated = estimated + excluded.estimated`,
      r.day,
      r.consumer,
      r.model,
      r.requests,
      r.promptTokens,
      r.completionTokens,
      r.cachedTokens,
      r.costUsd,
      r.partial,
      r.estimated,
    );
  }

  async query(q: UsageQuery): Promise<UsageLine[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.consumer !== undefined) {
      where.push("consumer = ?");
      params.push(q.consumer);
    }
    if (q.from !== undefined) {
      where.push("day >= ?");
      params.push(q.from);
    }
    if (q.to !== undefined) {
      where.push("day <= ?");
      params.push(q.to);
    }
    const group = q.groupBy;
    const rows = this.ctx.storage.sql
      .exec<Record<string, number | string>>(
        `SELECT ${group} AS grp, SUM(requests) AS requests, SUM(prompt) AS prompt, SUM(completion) AS completion,
           SUM(cached) AS cached, SUM(cost) AS cost, SUM(partial) AS partial, SUM(estimated) AS estimated
         FROM usage ${where.length ? `WHERE ${where.join(" AND ")}` : ""} GROUP BY ${group} ORDER BY ${group}`,
        ...params,
      )
      .toArray();
    return rows.map((r) => ({
      [group]: String(r.grp),
      requests: Number(r.requests),
      promptTokens: Number(r.prompt),
      completionTokens: Number(r.completion),
      cachedTokens: Number(r.cached),
      costUsd: Math.round(Number(r.cost) * 1e8) / 1e8,
      partial: Number(r.partial),
      estimated: Number(r.estimated),
    }));
  }
}
