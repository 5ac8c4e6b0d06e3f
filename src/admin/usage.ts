// GET /__aya/usage?consumer=&from=&to=&groupBy=day|model|consumer (admin bearer): the spend
// ledger (src/limits/ledger.ts) for the whole edge: requests, prompt / completion / cached tokens,
// costUsd, and how many requests were settled partial (a cut stream) or estimated (no usage from
// the provider), grouped as asked, with the total. Days are UTC, `from` and `to` inclusive.
import type { Context } from "hono";
import type { UsageLine } from "../../durable-objects/ledger";
import type { AppEnv } from "../env";
import { addCounts } from "../limits/ledger";
import { LEDGER_OBJECT } from "../replication/owners";

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const GROUPS = ["day", "model", "consumer"] as const;

export async function usageReport(c: Context<AppEnv>): Promise<Response> {
  const q = c.req.query();
  const problems: string[] = [];
  const groupBy = (q.groupBy ?? "day") as (typeof GROUPS)[number];
  if (!GROUPS.includes(groupBy)) problems.push(`groupBy: must be one of ${GROUPS.join(", ")}`);
  for (const field of ["from", "to"] as const)
    if (q[field] !== undefined && !DAY.test(q[field] as string))
      problems.push(`${field}: must be a UTC day, YYYY-MM-DD`);
  if (problems.length)
    return c.json(
      {
        error: { code: "bad_request", message: problems.join("; "), problems, requestId: c.get("requestId") },
      },
      400,
    );
  const ns = c.env.LEDGER as Env["LEDGER"];
  const rows = await ns
    .get(ns.idFromName(LEDGER_OBJECT))
    .query({ consumer: q.consumer, from: q.from, to: q.to, groupBy });
  return c.json({
    groupBy,
    from: q.from ?? null,
    to: q.to ?? null,
    consumer: q.consumer ?? null,
    rows,
    total: totalOf(rows),
  });
}

function totalOf(rows: UsageLine[]) {
  const total = {
    requests: 0,
    promptTokens: 0,
    completionTokens: 0,
    cachedTokens: 0,
    costUsd: 0,
    partial: 0,
    estimated: 0,
  };
  for (const r of rows) addCounts(total, r);
  total.costUsd = Math.round(total.costUsd * 1e8) / 1e8;
  return total;
}
