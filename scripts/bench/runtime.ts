// Runs Workers in workerd for the benchmark. The Worker is bundled once with
// `wrangler deploy --dry-run` (exactly what would be deployed); Miniflare writes the workerd
// config (Durable Objects, KV, outbound network) and starts the workerd binary from the npm
// package; the load goes to an `unsafeDirectSockets` socket that workerd serves straight into the
// Worker, so neither wrangler's development proxy nor Miniflare's entry worker is in the path
// (nor its outbound wrapper Worker: subrequests leave workerd directly, as in production).
// Each instance is its own workerd process, whose pid is found so that its CPU time can be read.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { Miniflare, type MiniflareOptions } from "miniflare";
import { childPids } from "./cpu.ts";
import { track } from "./lifecycle.ts";

const BUILD_DIR = ".bench/build";
export const ADMIN_TOKEN = "bench-admin-token";

/**
 * Bundles the Worker exactly as `wrangler deploy` would, once per run. `define` replaces global
 * identifiers at build time: the observability comparison builds a second bundle with
 * AYA_OBSERVABILITY false (src/observability/observe.ts), into a directory of its own.
 */
export function buildWorker(define: Record<string, string> = {}, dir = BUILD_DIR): string {
  mkdirSync(dir, { recursive: true });
  const defines = Object.entries(define).flatMap(([k, v]) => ["--define", `${k}:${v}`]);
  execFileSync("node_modules/.bin/wrangler", ["deploy", "--dry-run", "--env=", "--outdir", dir, ...defines], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  return join(dir, "index.js");
}

export interface RunningWorker {
  url: string;
  /** The workerd process serving it (undefined off Linux). */
  pid: number | undefined;
  /** The DevTools WebSocket of the Worker, when started with the inspector. */
  inspector?: string;
  stop(): Promise<void>;
}

/**
 * workerd's output goes to stderr, so that stdout holds only the table and the JSON line. The
 * "Connection reset by peer" errors it logs when the load generator closes its sockets at the
 * end of a run (and their stack lines) are dropped: they are the client leaving, not a failure.
 * So are aya's own log lines, one per request (written all the same: their cost is measured).
 */
function quietStdio(stdout: Readable, stderr: Readable): void {
  for (const stream of [stdout, stderr]) {
    let dropStack = false;
    createInterface({ input: stream }).on("line", (line) => {
      if (line.startsWith('{"ts":') || line.startsWith('{"event":')) return;
      if (/Connection reset by peer|disconnected: ::write/.test(line)) {
        dropStack = true;
        return;
      }
      if (dropStack && line.startsWith("stack: ")) return;
      dropStack = false;
      process.stderr.write(`${line}\n`);
    });
  }
}

type WorkerOptions = Omit<MiniflareOptions, "name" | "compatibilityDate">;

async function start(name: string, options: WorkerOptions, inspect = false): Promise<RunningWorker> {
  const before = new Set(childPids("workerd"));
  const mf = new Miniflare({
    name,
    compatibilityDate: "2026-04-01",
    compatibilityFlags: ["nodejs_compat"],
    modules: true,
    unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
    // By default Miniflare sends every outbound fetch through a small Worker of its own that
    // strips CF-Connecting-IP; production has no such hop, so subrequests go straight out here.
    stripCfConnectingIp: false,
    handleRuntimeStdio: quietStdio,
    ...(inspect ? { inspectorPort: 0 } : {}),
    ...options,
  } as MiniflareOptions);
  const stop = track(() => mf.dispose());
  try {
    await mf.ready;
    const url = (await mf.unsafeGetDirectURL(name)).toString().replace(/\/$/, "");
    const pid = childPids("workerd").find((p) => !before.has(p));
    const inspector = inspect ? `${(await mf.getInspectorURL()).toString()}core:user:${name}` : undefined;
    return { url, pid, inspector, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** aya itself, with a GATEWAY config; `inspect` opens the V8 inspector for a CPU profile. */
export function startAya(
  script: string,
  gateway: unknown,
  inspect = false,
  /** More bindings (secrets the config names). */
  secrets: Record<string, string> = {},
): Promise<RunningWorker> {
  return start(
    "aya",
    {
      scriptPath: script,
      bindings: { GATEWAY: JSON.stringify(gateway), ADMIN_TOKEN, ...secrets },
      durableObjects: {
        BACKEND_STATE: { className: "BackendState", useSQLite: true },
        RELAY: { className: "Relay", useSQLite: true },
        METRICS: { className: "Metrics", useSQLite: true },
        KEYS: { className: "KeyStore", useSQLite: true },
        LIMITS: { className: "Limits", useSQLite: true },
        LEDGER: { className: "Ledger", useSQLite: true },
        OVERLAY: { className: "ConfigOverlay", useSQLite: true },
      },
      kvNamespaces: ["CACHE"],
    },
    inspect,
  );
}

/** A module Worker of the benchmark's own (a harness), its output discarded unread. */
export function startModule(name: string, scriptPath: string): Promise<RunningWorker> {
  return start(name, {
    scriptPath,
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      stdout.resume();
      stderr.resume();
    },
  });
}

/** Bundles a harness Worker with wrangler, as aya is bundled, into .bench/build-<name>/out/. */
export function buildHarness(entry: string, name: string): string {
  const dir = `.bench/build-${name}`;
  mkdirSync(dir, { recursive: true });
  const config = join(dir, "wrangler.toml");
  writeFileSync(
    config,
    [
      `name = "${name}"`,
      `main = "${resolve(entry)}"`,
      'compatibility_date = "2026-04-01"',
      'compatibility_flags = ["nodejs_compat"]',
      "",
    ].join("\n"),
  );
  execFileSync(
    "node_modules/.bin/wrangler",
    ["deploy", "--dry-run", "--config", config, "--outdir", resolve(dir, "out")],
    {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    },
  );
  // wrangler names the bundle after its entry.
  return join(dir, "out", `${basename(entry).replace(/\.ts$/, "")}.js`);
}

/** The baseline: a Worker that does one fetch to the origin and nothing else. */
export function startPassThrough(origin: string): Promise<RunningWorker> {
  const script = `export default { fetch(request) { const u = new URL(request.url); return fetch(${JSON.stringify(origin)} + u.pathname + u.search, request); } };`;
  return start("passthrough", { script });
}

/** The floor: a Worker that answers at once, with no subrequest (workerd's own cost per request). */
export function startHello(): Promise<RunningWorker> {
  return start("hello", { script: `export default { fetch() { return new Response("ok"); } };` });
}

export function versions(): Record<string, string> {
  const version = (pkg: string) =>
    (JSON.parse(readFileSync(join("node_modules", pkg, "package.json"), "utf8")) as { version: string })
      .version;
  return {
    node: process.version,
    workerd: version("workerd"),
    wrangler: version("wrangler"),
    miniflare: version("miniflare"),
    autocannon: version("autocannon"),
  };
}
