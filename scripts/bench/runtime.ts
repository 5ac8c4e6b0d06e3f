// Runs a Worker in workerd for the benchmark. Miniflare writes the workerd config (Durable
// Object storage, KV, outbound network) and starts the workerd binary from the npm package; the
// load goes to an `unsafeDirectSockets` socket that workerd serves straight into the Worker, so
// neither wrangler's development proxy nor Miniflare's own entry worker is in the request path.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Miniflare } from "miniflare";

const BUILD_DIR = ".bench/build";
export const ADMIN_TOKEN = "bench-admin-token";

/** Bundles the Worker exactly as `wrangler deploy` would, once per run. */
export function buildWorker(): string {
  mkdirSync(BUILD_DIR, { recursive: true });
  execFileSync("node_modules/.bin/wrangler", ["deploy", "--dry-run", "--env=", "--outdir", BUILD_DIR], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  return join(BUILD_DIR, "index.js");
}

export interface RunningWorker {
  url: string;
  stop(): Promise<void>;
}

const base = {
  compatibilityDate: "2026-04-01",
  compatibilityFlags: ["nodejs_compat"],
  modules: true,
  unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
} as const;

export async function startAya(script: string, gateway: unknown): Promise<RunningWorker> {
  const mf = new Miniflare({
    ...base,
    name: "aya",
    scriptPath: script,
    bindings: { GATEWAY: JSON.stringify(gateway), ADMIN_TOKEN },
    durableObjects: { BACKEND_STATE: { className: "BackendState", useSQLite: true } },
    kvNamespaces: ["CACHE"],
  });
  await mf.ready;
  const url = (await mf.unsafeGetDirectURL("aya")).toString().replace(/\/$/, "");
  return { url, stop: () => mf.dispose() };
}

/** The baseline: a Worker that does one fetch to the origin and nothing else. */
export async function startPassThrough(origin: string): Promise<RunningWorker> {
  const mf = new Miniflare({
    ...base,
    name: "baseline",
    script: `export default { fetch(request) { const u = new URL(request.url); return fetch(${JSON.stringify(origin)} + u.pathname + u.search, request); } };`,
  });
  await mf.ready;
  const url = (await mf.unsafeGetDirectURL("baseline")).toString().replace(/\/$/, "");
  return { url, stop: () => mf.dispose() };
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
  };
}
