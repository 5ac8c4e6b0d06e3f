// The operator's CLI (`npm run aya -- …`): the runtime-operations endpoints without writing curl.
// Parsing a command line into one admin request, and turning the gateway's answer into what a
// person reads: one line for what changed, the problems of a refused change, a short table for
// status. Every failure is one sentence (no token, no URL, an unreachable gateway, a refused
// token), never a stack trace. scripts/aya.ts runs it.

export const USAGE = `usage: npm run aya -- <command> [--url URL] [--json]

  backends put <pool> <id> <backend-url> [--weight N] [--max-connections N]
                                          add a backend to a pool, or change one
  backends delete <pool> <id>             remove a backend (in-flight requests finish)
  backends drain <pool> <id>              no new requests; those in flight finish (status: draining, then drained)
  backends disable <pool> <id>            out of rotation at once
  backends enable <pool> <id>             back in rotation (its weight ramps up over the pool's slowStartSeconds)
  backends revert <pool> <id>             forget the changes made to it: the deployed config applies again
  models put <alias> <provider/model[=weight]>... [--strategy fallback|weighted|least-latency|least-cost]
  models put <alias> --body '{"strategy": …, "targets": […]}'
                                          set a model alias's targets
  models revert <alias>                   forget the change: the deployed alias applies again
  config                                  the effective config (deployed + changes), as JSON
  audit [--limit N]                       every change: when, which endpoint, what changed, the version
  status                                  every pool and backend: state, health, circuit, in flight

The gateway is --url (or AYA_URL), e.g. https://gw.example.com; the admin token is read from
AYA_ADMIN_TOKEN (never from the command line, where other users of the machine can see it).
--json prints the gateway's answer as it is.`;

export interface Request {
  method: "GET" | "PUT" | "POST" | "DELETE";
  /** Under /__aya. */
  path: string;
  body?: unknown;
  /** How the answer is shown. */
  show: "change" | "json" | "audit" | "status";
}

export type Parsed =
  | { ok: true; request: Request; url?: string; json: boolean }
  | { ok: false; error: string };

const seg = (value: string) => encodeURIComponent(value);

export function parseArgs(argv: readonly string[]): Parsed {
  const words: string[] = [];
  const options = new Map<string, string>();
  const known = new Set(["url", "weight", "max-connections", "strategy", "body", "limit"]);
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--json") json = true;
    else if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      if (!known.has(name)) return { ok: false, error: `unknown option --${name}` };
      const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined) return { ok: false, error: `--${name} needs a value` };
      options.set(name, value);
    } else words.push(arg);
  }
  const url = options.get("url");
  const done = (request: Request): Parsed => ({ ok: true, request, url, json });
  const [group, verb, ...rest] = words;
  const need = (n: number, shape: string): string | undefined =>
    rest.length === n ? undefined : `${group} ${verb} takes ${shape}`;

  if (group === "backends") {
    const [pool = "", id = ""] = rest;
    const at = `/pools/${seg(pool)}/backends/${seg(id)}`;
    switch (verb) {
      case "put": {
        const problem = need(3, "<pool> <id> <backend-url>");
        if (problem) return { ok: false, error: problem };
        const body: Record<string, unknown> = { url: rest[2] };
        for (const [option, field] of [
          ["weight", "weight"],
          ["max-connections", "maxConnections"],
        ] as const) {
          const value = options.get(option);
          if (value === undefined) continue;
          const number = Number(value);
          if (value.trim() === "" || !Number.isFinite(number))
            return { ok: false, error: `--${option} must be a number` };
          body[field] = number;
        }
        return done({ method: "PUT", path: at, body, show: "change" });
      }
      case "delete":
      case "drain":
      case "disable":
      case "enable":
      case "revert": {
        const problem = need(2, "<pool> <id>");
        if (problem) return { ok: false, error: problem };
        if (verb === "delete") return done({ method: "DELETE", path: at, show: "change" });
        if (verb === "revert") return done({ method: "DELETE", path: `/changes${at}`, show: "change" });
        return done({ method: "POST", path: `${at}/${verb}`, show: "change" });
      }
    }
  }
  if (group === "models") {
    const [alias = "", ...targets] = rest;
    if (verb === "revert") {
      const problem = need(1, "<alias>");
      if (problem) return { ok: false, error: problem };
      return done({ method: "DELETE", path: `/changes/models/${seg(alias)}`, show: "change" });
    }
    if (verb === "put") {
      if (!alias) return { ok: false, error: "models put takes <alias> and its targets" };
      const given = options.get("body");
      if (given !== undefined) {
        if (targets.length > 0)
          return { ok: false, error: "give the targets either as words or in --body, not both" };
        try {
          return done({
            method: "PUT",
            path: `/models/${seg(alias)}`,
            body: JSON.parse(given),
            show: "change",
          });
        } catch (error) {
          return { ok: false, error: `--body is not JSON (${(error as Error).message})` };
        }
      }
      if (targets.length === 0)
        return { ok: false, error: "models put takes at least one target: provider/model" };
      const parsed = targets.map(target);
      const bad = parsed.find((t) => typeof t === "string");
      if (typeof bad === "string") return { ok: false, error: bad };
      const strategy = options.get("strategy");
      const body = { ...(strategy ? { strategy } : {}), targets: parsed };
      return done({ method: "PUT", path: `/models/${seg(alias)}`, body, show: "change" });
    }
  }
  if (group === "config" && verb === undefined) return done({ method: "GET", path: "/config", show: "json" });
  if (group === "status" && verb === undefined)
    return done({ method: "GET", path: "/status", show: "status" });
  if (group === "audit" && verb === undefined) {
    const limit = options.get("limit");
    return done({ method: "GET", path: `/audit${limit ? `?limit=${seg(limit)}` : ""}`, show: "audit" });
  }
  if (!group || group === "help") return { ok: false, error: "" };
  return { ok: false, error: `unknown command "${words.join(" ")}"` };
}

/** `openai/gpt-4o-mini` or `openai/gpt-4o-mini=3` (a weight): the provider is before the first `/`. */
function target(word: string): { provider: string; model: string; weight?: number } | string {
  const slash = word.indexOf("/");
  if (slash <= 0 || slash === word.length - 1) return `a target is provider/model, got "${word}"`;
  const provider = word.slice(0, slash);
  let model = word.slice(slash + 1);
  const eq = model.lastIndexOf("=");
  if (eq > 0 && /^\d+(\.\d+)?$/.test(model.slice(eq + 1))) {
    const weight = Number(model.slice(eq + 1));
    model = model.slice(0, eq);
    return { provider, model, weight };
  }
  return { provider, model };
}

/** What the person reads: the gateway's answer to a request, or why it failed, in lines. */
export function render(
  request: Request,
  status: number,
  body: unknown,
  json: boolean,
): { ok: boolean; lines: string[] } {
  const record = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const error = record.error as { code?: string; message?: string; problems?: string[] } | undefined;
  if (status === 400 && error) {
    const problems = error.problems ?? [error.message ?? "invalid"];
    return { ok: false, lines: ["the gateway refused the change:", ...problems.map((p) => `  - ${p}`)] };
  }
  if (status === 401)
    return { ok: false, lines: ["the gateway refused the admin token (401): check AYA_ADMIN_TOKEN"] };
  if (status === 404)
    return {
      ok: false,
      lines: [
        "the gateway answered 404: is this an aya gateway (with an ADMIN_TOKEN set), and its URL the right one?",
      ],
    };
  if (status !== 200 || error)
    return {
      ok: false,
      lines: [`the gateway answered ${status}: ${error?.message ?? JSON.stringify(body)}`],
    };
  if (json || request.show === "json") return { ok: true, lines: [JSON.stringify(body, null, 2)] };
  if (request.show === "change") {
    const what = record.changed ? "changed" : "unchanged";
    return { ok: true, lines: [`${what} (version ${String(record.version)}): ${String(record.summary)}`] };
  }
  if (request.show === "audit") {
    const entries = (record.entries ?? []) as Record<string, unknown>[];
    if (entries.length === 0) return { ok: true, lines: ["no changes yet"] };
    return {
      ok: true,
      lines: entries.map(
        (e) => `v${String(e.version)}  ${String(e.at)}  ${String(e.endpoint)}  ${String(e.summary)}`,
      ),
    };
  }
  return { ok: true, lines: statusLines(record) };
}

function statusLines(status: Record<string, unknown>): string[] {
  const overlay = (status.overlay ?? {}) as {
    version?: number;
    applied?: number;
    notApplied?: { change: string; problems: string[] }[];
  };
  const lines = [`runtime changes: version ${overlay.version ?? 0}, ${overlay.applied ?? 0} applied`];
  const pools = (status.pools ?? []) as {
    name: string;
    strategy: string;
    backends: Record<string, unknown>[];
  }[];
  for (const pool of pools) {
    lines.push(`pool ${pool.name} (${pool.strategy})`);
    const rows = pool.backends.map((b) => [
      String(b.id),
      String(b.state ?? "active"),
      b.error ? String(b.error) : b.healthy ? "healthy" : "unhealthy",
      `circuit ${String(b.circuit ?? "?")}`,
      `in flight ${String(b.inflight ?? "?")}`,
      b.slowStart
        ? `slow start: weight ${String((b.slowStart as { weightNow: number }).weightNow)} of ${String(b.weight)}`
        : "",
    ]);
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length))) ?? [];
    for (const row of rows)
      lines.push(
        `  ${row
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join("  ")
          .trimEnd()}`,
      );
  }
  for (const n of overlay.notApplied ?? []) lines.push(`not applied: ${n.change}: ${n.problems.join("; ")}`);
  return lines;
}
