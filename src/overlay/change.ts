// One runtime change, validated like the config: the change is written into the overlay, the
// overlay applied to the caller's deployed config and the whole parsed (apply.ts). The change is
// accepted only when it applies and every change that applied before still does; otherwise the
// answer is every problem the parser found, in the config's own sentences, and nothing changes.
// Pure: the ConfigOverlay object runs it, and so does `npm run sim`.
import { type ConfigResult, parseGateway } from "../config/normalize";
import { applyOverlay, unknownBackend, unknownPool } from "./apply";
import {
  type AuditEntry,
  type BackendEntry,
  backendChangeKey,
  type ChangeRequest,
  type ModelEntry,
  modelChangeKey,
  type Overlay,
  type OverlayEntry,
  type Rotation,
} from "./types";

export type ChangeResult =
  | { ok: true; changed: true; overlay: Overlay; audit: AuditEntry }
  | { ok: true; changed: false; summary: string }
  | { ok: false; problems: string[] };

type Raw = Record<string, unknown>;
const isRecord = (value: unknown): value is Raw =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Runtime changes kept at once: the overlay is one record every isolate holds and every refresh
 * carries, so it stays small; past this many, revert some (or put them in the deployed config).
 */
export const MAX_CHANGES = 1000;

/** Names a new alias may have (one already in the config may be changed whatever its name). */
const ALIAS = /^[A-Za-z0-9._:-]{1,128}$/;
const BODY_EXAMPLE = {
  backend: '{"url": "https://eu3.example.com", "weight": 2}',
  model: '{"strategy": "fallback", "targets": [{"provider": "openai", "model": "gpt-4o-mini"}]}',
};

/** What a change would be, before it is checked against the config: an entry (undefined: none). */
type Draft = { key: string; entry: OverlayEntry | undefined; summary: string } | { problems: string[] };

export function applyChange(
  overlay: Overlay,
  request: ChangeRequest,
  deployedRaw: unknown,
  now: number,
  parse: (raw: unknown) => ConfigResult = parseGateway,
): ChangeResult {
  const deployed = parse(deployedRaw);
  if (!deployed.ok) return { ok: false, problems: deployed.errors };
  const current = applyOverlay(deployed, deployedRaw, overlay, parse);
  const draft = draftChange(overlay, request, current.raw as Raw, deployedRaw, current.result, now);
  if ("problems" in draft) return { ok: false, problems: draft.problems };
  const { key, entry, summary } = draft;
  const before = overlay.changes[key];
  if (entry === undefined && before === undefined) return { ok: true, changed: false, summary };
  if (entry && before && same(entry, before)) return { ok: true, changed: false, summary };

  if (entry && !before && Object.keys(overlay.changes).length >= MAX_CHANGES)
    return {
      ok: false,
      problems: [
        `changes: at most ${MAX_CHANGES} runtime changes are kept; revert some, or deploy them in GATEWAY`,
      ],
    };
  const version = overlay.version + 1;
  const changes = { ...overlay.changes };
  if (entry) changes[key] = { ...entry, version, at: now };
  else delete changes[key];
  const next: Overlay = { version, changes };
  const after = applyOverlay(deployed, deployedRaw, next, parse);
  const problems = after.notApplied.find((n) => n.change === key)?.problems.slice() ?? [];
  const still = new Set(after.applied);
  for (const earlier of current.applied) {
    if (earlier === key || still.has(earlier)) continue;
    const why = after.notApplied.find((n) => n.change === earlier)?.problems ?? [];
    problems.push(`${earlier}: would no longer apply (${why.join("; ")})`);
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    changed: true,
    overlay: next,
    audit: {
      version,
      at: new Date(now).toISOString(),
      endpoint: request.endpoint,
      change: key,
      summary,
      before,
      after: changes[key],
    },
  };
}

function draftChange(
  overlay: Overlay,
  request: ChangeRequest,
  raw: Raw,
  deployedRaw: unknown,
  effective: ConfigResult,
  now: number,
): Draft {
  if (request.op === "revert") {
    if (!Object.hasOwn(overlay.changes, request.key)) {
      const known = Object.keys(overlay.changes);
      return {
        problems: [
          `changes: no change ${JSON.stringify(request.key)} to revert${known.length ? ` (changes: ${known.join(", ")})` : " (there are none)"}`,
        ],
      };
    }
    return {
      key: request.key,
      entry: undefined,
      summary: `${request.key}: reverted, the deployed config applies`,
    };
  }
  if (request.op === "put-model") return draftModel(overlay, request.alias, request.body, raw, now);

  const { pool, id } = request;
  const key = backendChangeKey(pool, id);
  const pools = isRecord(raw.pools) ? raw.pools : {};
  const rawPool = Object.hasOwn(pools, pool) ? pools[pool] : undefined;
  if (!isRecord(rawPool)) return { problems: [unknownPool(pool, Object.keys(pools))] };
  const list = Array.isArray(rawPool.backends) ? (rawPool.backends as unknown[]) : [];
  const current = list.find((b): b is Raw => isRecord(b) && b.id === id);
  const before = overlay.changes[key] as BackendEntry | undefined;
  const base: BackendEntry = before ?? { kind: "backend", pool, id, version: 0, at: now };
  const name = `${id} in pool ${pool}`;
  const state = (entry?: BackendEntry) => entry?.rotation ?? "active";

  if (request.op === "put-backend") {
    const body = request.body;
    if (!isRecord(body))
      return { problems: [`body: must be a JSON object, for example ${BODY_EXAMPLE.backend}`] };
    const index = current ? list.indexOf(current) : list.length;
    if (body.id !== undefined && body.id !== id)
      return {
        problems: [
          `pools.${pool}.backends[${index}].id: ${JSON.stringify(body.id)} differs from the id in the path (${JSON.stringify(id)})`,
        ],
      };
    const { id: _, ...set } = body;
    const fresh = !current || current.url !== set.url;
    const entry: BackendEntry = { ...base, set, removed: undefined, rampFrom: fresh ? now : base.rampFrom };
    const again = before?.set !== undefined && JSON.stringify(before.set) === JSON.stringify(set);
    return {
      key,
      entry: clean(entry),
      summary: `${name}: ${again ? "unchanged" : describePut(current, set)}`,
    };
  }
  if (!current) return { problems: [unknownBackend(pool, id, list)] };

  if (request.op === "delete-backend") {
    // A backend added at run time goes with its change; one the deployed config has is marked removed.
    const deployedPools = asRecord(deployedRaw)?.pools;
    const deployedPool =
      isRecord(deployedPools) && Object.hasOwn(deployedPools, pool) ? deployedPools[pool] : {};
    const deployedList =
      isRecord(deployedPool) && Array.isArray(deployedPool.backends) ? deployedPool.backends : [];
    const deployedHasIt = deployedList.some((b: unknown) => isRecord(b) && b.id === id);
    const entry: BackendEntry | undefined = deployedHasIt
      ? { kind: "backend", pool, id, removed: true, version: 0, at: now }
      : undefined;
    return { key, entry, summary: `${name}: removed` };
  }
  if (request.op === "drain" || request.op === "disable") {
    const target: Rotation = request.op === "drain" ? "draining" : "disabled";
    if (before?.rotation === target) return { key, entry: before, summary: `${name}: already ${target}` };
    const entry = clean({ ...base, rotation: target, rotationSince: now });
    return { key, entry, summary: `${name}: ${state(before)} → ${target}` };
  }
  // enable
  if (!before?.rotation) return { key, entry: before, summary: `${name}: already active` };
  const seconds = effective.ok ? (effective.config.pools.get(pool)?.slowStartSeconds ?? 0) : 0;
  const entry = clean({
    ...base,
    rotation: undefined,
    rotationSince: undefined,
    rampFrom: seconds > 0 ? now : undefined,
  });
  const ramp = seconds > 0 ? ` (slow start over ${seconds} s)` : "";
  return { key, entry, summary: `${name}: ${state(before)} → active${ramp}` };
}

function draftModel(overlay: Overlay, alias: string, body: unknown, raw: Raw, now: number): Draft {
  const key = modelChangeKey(alias);
  const models = isRecord(raw.models) ? raw.models : {};
  const exists = Object.hasOwn(models, alias);
  if (!exists && !ALIAS.test(alias))
    return {
      problems: [
        `models: a new alias is 1-128 characters of A-Z a-z 0-9 . _ : - (got ${JSON.stringify(alias)})`,
      ],
    };
  if (!isRecord(body))
    return { problems: [`body: must be a JSON object, for example ${BODY_EXAMPLE.model}`] };
  const before = overlay.changes[key] as ModelEntry | undefined;
  const entry: ModelEntry = { kind: "model", alias, set: body, version: before?.version ?? 0, at: now };
  const targets = Array.isArray(body.targets)
    ? body.targets.map((t) => (isRecord(t) ? `${String(t.provider)}/${String(t.model)}` : "?")).join(", ")
    : "?";
  const strategy = typeof body.strategy === "string" ? body.strategy : "fallback";
  return {
    key,
    entry,
    summary: `model alias ${alias}: ${exists ? "" : "added, "}targets ${targets} (${strategy})`,
  };
}

/** An entry that would change nothing is no entry. */
function clean(entry: BackendEntry): BackendEntry | undefined {
  const out: BackendEntry = {
    kind: "backend",
    pool: entry.pool,
    id: entry.id,
    version: entry.version,
    at: entry.at,
  };
  if (entry.set) out.set = entry.set;
  if (entry.removed) out.removed = true;
  if (entry.rotation) {
    out.rotation = entry.rotation;
    out.rotationSince = entry.rotationSince;
  }
  if (entry.rampFrom !== undefined) out.rampFrom = entry.rampFrom;
  return out.set || out.removed || out.rotation || out.rampFrom !== undefined ? out : undefined;
}

function describePut(current: Raw | undefined, set: Raw): string {
  const fields = (b: Raw | undefined) => ({
    url: b?.url,
    weight: b?.weight ?? 1,
    maxConnections: b?.maxConnections ?? "none",
  });
  const next = fields(set);
  if (!current)
    return `added (${String(next.url)}, weight ${String(next.weight)}${set.maxConnections !== undefined ? `, maxConnections ${String(set.maxConnections)}` : ""})`;
  const prev = fields(current);
  const diffs = (Object.keys(next) as (keyof typeof next)[])
    .filter((k) => prev[k] !== next[k])
    .map((k) => `${k} ${String(prev[k])} → ${String(next[k])}`);
  return diffs.length
    ? diffs.join(", ")
    : "the same fields, now set by the overlay (they outlive a redeploy)";
}

function asRecord(raw: unknown): Raw | undefined {
  if (isRecord(raw)) return raw;
  if (typeof raw !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The same change, whatever its version and time. */
function same(a: OverlayEntry, b: OverlayEntry): boolean {
  const strip = ({ version: _v, at: _a, ...rest }: OverlayEntry) => rest;
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}
