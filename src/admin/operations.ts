// Runtime operations (CONTRACT §9), behind the admin bearer token: add, change, remove, drain,
// disable and enable backends, set a model alias's targets, revert a change, and read the
// effective config and the audit trail. Each change goes to the ConfigOverlay object, which
// validates it against this isolate's deployed config exactly as the config is validated (400 with
// every problem, nothing applied) and pushes it to every location; this isolate and its location
// adopt it at once.
import type { Context, Hono, MiddlewareHandler } from "hono";
import { gatewaySchema } from "../config/schema";
import type { AppEnv } from "../env";
import { GatewayError } from "../errors";
import { linksOf } from "../gateway";
import { operatorState } from "../overlay/drain";
import type { ChangeOutcome, ChangeRequest } from "../overlay/types";
import { backendChangeKey, modelChangeKey } from "../overlay/types";
import { readRequestBody } from "../proxy/body";
import { overlayObject, overlaySummary, runtimeView } from "./runtime-view";

/** Change bodies are a few fields; anything larger is not one. */
const MAX_BODY_BYTES = 64 * 1024;
const AUDIT_DEFAULT = 100;
const AUDIT_MAX = 1000;

export function registerOperations(app: Hono<AppEnv>, auth: MiddlewareHandler<AppEnv>): void {
  const backend = "/pools/:pool/backends/:id";
  const target = (c: Context<AppEnv>) => ({ pool: c.req.param("pool") ?? "", id: c.req.param("id") ?? "" });
  app.put(backend, auth, async (c) =>
    change(c, { op: "put-backend", ...target(c), body: await jsonBody(c) }),
  );
  app.delete(backend, auth, (c) => change(c, { op: "delete-backend", ...target(c) }));
  for (const op of ["drain", "disable", "enable"] as const)
    app.post(`${backend}/${op}`, auth, (c) => change(c, { op, ...target(c) }));
  app.put("/models/:alias", auth, async (c) =>
    change(c, { op: "put-model", alias: c.req.param("alias") ?? "", body: await jsonBody(c) }),
  );
  // Extensions (README): forget one change, so that the deployed config applies again.
  app.delete(`/changes${backend}`, auth, (c) => {
    const { pool, id } = target(c);
    return change(c, { op: "revert", key: backendChangeKey(pool, id) });
  });
  app.delete("/changes/models/:alias", auth, (c) =>
    change(c, { op: "revert", key: modelChangeKey(c.req.param("alias") ?? "") }),
  );
  app.get("/config", auth, effectiveConfig);
  app.get("/audit", auth, audit);
}

type Change = ChangeRequest extends infer R ? (R extends unknown ? Omit<R, "endpoint"> : never) : never;

async function change(c: Context<AppEnv>, request: Change): Promise<Response> {
  const endpoint = `${c.req.method} ${c.req.path}`;
  // RPC wraps the union in its own types; the object answers a plain ChangeOutcome.
  const outcome = (await overlayObject(c).change(
    { ...request, endpoint } as ChangeRequest,
    c.env.GATEWAY,
  )) as ChangeOutcome;
  if (!outcome.ok) {
    throw new GatewayError("bad_request", `the change is not valid: ${outcome.problems.join("; ")}`, {
      problems: outcome.problems,
    });
  }
  c.get("runtime").overlay.adopt(outcome.record, linksOf(c));
  if (!outcome.changed)
    return c.json({ changed: false, version: outcome.record.version, summary: outcome.summary });
  const { audit: entry } = outcome;
  return c.json({
    changed: true,
    version: entry.version,
    at: entry.at,
    change: entry.change,
    summary: entry.summary,
  });
}

async function jsonBody(c: Context<AppEnv>): Promise<unknown> {
  const body = await readRequestBody(c.req.raw, {
    maxBodyBytes: MAX_BODY_BYTES,
    retryBodyBytes: MAX_BODY_BYTES,
  });
  const text = body.kind === "buffered" ? new TextDecoder().decode(body.bytes) : "";
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const problem = `body: not valid JSON (${(error as Error).message})`;
    throw new GatewayError("bad_request", `the change is not valid: ${problem}`, { problems: [problem] });
  }
}

/** GET /__aya/config: the deployed config with every change that applies, defaults filled in. */
async function effectiveConfig(c: Context<AppEnv>): Promise<Response> {
  const view = await runtimeView(c);
  const raw =
    typeof view.applied.raw === "string" ? (JSON.parse(view.applied.raw) as unknown) : view.applied.raw;
  // Secrets are never in GATEWAY (providers name theirs in apiKeySecret), so nothing here is one.
  const config = gatewaySchema.parse(raw);
  const now = c.get("runtime").clock.now();
  const operated = [...view.gateway.pools.values()].flatMap((pool) =>
    pool.backends
      .filter((b) => b.rotation || b.slowStart)
      .map((b) => ({
        pool: pool.name,
        id: b.id,
        // `drained` needs the backend's in-flight count: see /__aya/status.
        state: operatorState(b, pool, 1, now),
        ...(b.rotation ? { since: new Date(b.rotation.since).toISOString() } : {}),
        ...(b.slowStart ? { slowStartFrom: new Date(b.slowStart.since).toISOString() } : {}),
      })),
  );
  const record = c.get("runtime").overlay.overlay();
  return c.json({
    overlay: overlaySummary(view),
    config,
    backends: operated,
    changes: Object.entries(record?.value?.changes ?? {}).map(([key, entry]) => ({
      change: key,
      applied: view.applied.applied.includes(key),
      ...entry,
      at: new Date(entry.at).toISOString(),
    })),
  });
}

/** GET /__aya/audit?limit=&before=: every change, newest first. */
async function audit(c: Context<AppEnv>): Promise<Response> {
  const limit = integerParam(c, "limit", AUDIT_DEFAULT, 1, AUDIT_MAX);
  const before = integerParam(c, "before", 0, 1, Number.MAX_SAFE_INTEGER);
  const entries = await overlayObject(c).audit(limit, before || undefined);
  return c.json({ entries });
}

function integerParam(c: Context<AppEnv>, name: string, fallback: number, min: number, max: number): number {
  const given = c.req.query(name);
  if (given === undefined || given === "") return fallback;
  const value = Number(given);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new GatewayError("bad_request", `${name}: must be an integer from ${min} to ${max}`);
  return value;
}
