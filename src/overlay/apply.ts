// The overlay on top of the deployed config: every change written into the raw GATEWAY input, then
// the whole parsed by the same parser as the deployed config (schema and cross-references), so a
// change is valid exactly when the config it makes would be. A change that does not fit (its pool
// was removed by a redeploy, its backend id now clashes with a deployed one) is set aside with the
// problems the parser found, and the others still apply: the usual case, where every change fits,
// costs one parse; otherwise the changes are applied one at a time, in the order they were made.
// Drains, disables and slow starts change no field of the config: they are set on the parsed
// backends afterwards (Backend.rotation, Backend.slowStart).
import type { ConfigResult, Gateway } from "../config/normalize";
import { parseGateway } from "../config/normalize";
import { didYouMean } from "../config/suggest";
import type { BackendEntry, Overlay, OverlayEntry } from "./types";

export interface NotApplied {
  change: string;
  problems: string[];
}

export interface AppliedOverlay {
  /** The effective config: the deployed one when no change applies. */
  result: ConfigResult;
  /**
   * The effective config as written (deployed input + changes that applied), as an object (a
   * deployed JSON string is parsed); for GET /__aya/config and for checking the next change.
   */
  raw: unknown;
  version: number;
  applied: string[];
  notApplied: NotApplied[];
}

type Raw = Record<string, unknown>;
type Step = { ok: true; structural: boolean } | { ok: false; problems: string[] } | { ok: "moot" };

const isRecord = (value: unknown): value is Raw =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export function applyOverlay(
  deployed: ConfigResult,
  deployedRaw: unknown,
  overlay: Overlay,
  parse: (raw: unknown) => ConfigResult = parseGateway,
): AppliedOverlay {
  const entries = Object.entries(overlay.changes).sort(([, a], [, b]) => a.version - b.version);
  const base = deployed.ok ? asObject(deployedRaw) : undefined;
  // An invalid deploy answers 500 invalid_config whatever the overlay says; nothing to blame on it.
  if (!base || entries.length === 0)
    return {
      result: deployed,
      raw: base ?? deployedRaw,
      version: overlay.version,
      applied: [],
      notApplied: [],
    };

  // Every change at once: one parse when they all fit.
  const all = structuredClone(base);
  const applied: [string, OverlayEntry][] = [];
  const notApplied: NotApplied[] = [];
  for (const [key, entry] of entries) {
    const step = applyEntry(all, entry);
    if (step.ok === true) applied.push([key, entry]);
    else if (step.ok === false) notApplied.push({ change: key, problems: step.problems });
  }
  let raw: Raw = all;
  let result = parse(all);
  if (!result.ok) {
    // Some change clashes with the deployed config or another change: one at a time.
    applied.length = 0;
    notApplied.length = 0;
    raw = structuredClone(base);
    result = deployed;
    let parsed = false;
    for (const [key, entry] of entries) {
      const trial = structuredClone(raw);
      const step = applyEntry(trial, entry);
      if (step.ok === "moot") continue;
      if (step.ok === false) {
        notApplied.push({ change: key, problems: step.problems });
        continue;
      }
      if (step.structural) {
        const tried = parse(trial);
        if (!tried.ok) {
          notApplied.push({ change: key, problems: tried.errors });
          continue;
        }
        result = tried;
        parsed = true;
      }
      raw = trial;
      applied.push([key, entry]);
    }
    // Fresh backends to mark (the deployed config's are shared by every request of the isolate).
    if (!parsed && applied.length > 0) result = parse(raw);
  }
  if (result.ok) for (const [, entry] of applied) if (entry.kind === "backend") mark(result.config, entry);
  return {
    result,
    raw,
    version: overlay.version,
    applied: applied.map(([key]) => key),
    notApplied,
  };
}

function asObject(raw: unknown): Raw | undefined {
  if (isRecord(raw)) return raw;
  if (typeof raw !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Writes one change into the raw config; a change whose pool or backend is gone does not fit. */
export function applyEntry(raw: Raw, entry: OverlayEntry): Step {
  if (entry.kind === "model") {
    if (!isRecord(raw.models)) raw.models = {};
    define(raw.models as Raw, entry.alias, structuredClone(entry.set));
    return { ok: true, structural: true };
  }
  const pools = isRecord(raw.pools) ? raw.pools : {};
  const pool = Object.hasOwn(pools, entry.pool) ? pools[entry.pool] : undefined;
  if (!isRecord(pool) || !Array.isArray(pool.backends))
    return { ok: false, problems: [unknownPool(entry.pool, Object.keys(pools))] };
  const list = pool.backends as unknown[];
  const at = list.findIndex((b) => isRecord(b) && b.id === entry.id);
  if (entry.removed) {
    if (at < 0) return { ok: false, problems: [unknownBackend(entry.pool, entry.id, list)] };
    list.splice(at, 1);
    return { ok: true, structural: true };
  }
  if (entry.set) {
    const backend = { id: entry.id, ...entry.set };
    if (at < 0) list.push(backend);
    else list[at] = backend;
    return { ok: true, structural: true };
  }
  if (at >= 0) return { ok: true, structural: false };
  // A mark that only remembers when a backend came back (slow start) is moot once it is gone.
  return entry.rotation
    ? { ok: false, problems: [unknownBackend(entry.pool, entry.id, list)] }
    : { ok: "moot" };
}

/** Drained, disabled, slow-starting: set on the parsed backend (no field of the config says so). */
function mark(config: Gateway, entry: BackendEntry): void {
  const pool = config.pools.get(entry.pool);
  const backend = pool?.backends.find((b) => b.id === entry.id);
  if (!pool || !backend) return;
  if (entry.rotation) backend.rotation = { state: entry.rotation, since: entry.rotationSince ?? entry.at };
  if (entry.rampFrom !== undefined && pool.slowStartSeconds > 0)
    backend.slowStart = { since: entry.rampFrom, seconds: pool.slowStartSeconds };
}

/** `pools: unknown pool "eu2" (did you mean "eu"?)`, the config's own sentence for a pool name. */
export function unknownPool(name: string, known: string[]): string {
  const hint =
    didYouMean(name, known) || (known.length ? ` (pools: ${known.join(", ")})` : " (no pools are defined)");
  return `pools: unknown pool ${JSON.stringify(name)}${hint}`;
}

export function unknownBackend(pool: string, id: string, list: readonly unknown[]): string {
  const ids = list.flatMap((b) => (isRecord(b) && typeof b.id === "string" ? [b.id] : []));
  const hint = didYouMean(id, ids) || (ids.length ? ` (backends: ${ids.join(", ")})` : "");
  return `pools.${pool}.backends: unknown backend ${JSON.stringify(id)}${hint}`;
}

/** Sets an own property, so that a name such as "__proto__" is an entry like any other. */
function define(target: Raw, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}
