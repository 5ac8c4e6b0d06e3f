// Runs in Node before the e2e tests: the demo's origins and fake AI providers on free ports, then
// `wrangler dev --env demo` on a free port, as a user runs it, with the demo's own GATEWAY config
// (read from wrangler.toml) pointed at those ports. Free ports everywhere, so a running `npm start`
// does not disturb the tests, and a fresh --persist-to directory, so no state survives a run.
// Teardown stops wrangler's whole process group (wrangler, esbuild, workerd), then the servers.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { unstable_readConfig } from "wrangler";
import { OriginFarm } from "../../../scripts/lib/farm.ts";
import { ProviderFarm, type ProviderKind } from "../../../scripts/lib/providers.ts";

interface DemoGateway {
  pools: Record<string, { backends: { id: string; url: string }[]; [k: string]: unknown }>;
  providers: Record<string, { type: string; baseUrl: string; apiKeySecret?: string; [k: string]: unknown }>;
  models: Record<string, { targets: { provider: string; model: string }[] }>;
  [k: string]: unknown;
}

const READY_TIMEOUT_MS = 60_000;
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const ADMIN_TOKEN = "e2e-admin-token";
/** Provider keys are this prefix and the secret's name, so a test can look for a leak. */
const SECRET_PREFIX = "sk-e2e-secret-";

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), "aya-e2e-"));
  const origins = new OriginFarm();
  const providers = new ProviderFarm();
  let wrangler: ChildProcess | undefined;
  // Last resort: vitest exits on Ctrl-C without running teardown; take wrangler down with us.
  const onExit = () => {
    signalGroup(wrangler, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);

  const teardown = async () => {
    await stopWrangler(wrangler);
    process.off("exit", onExit);
    await origins.close();
    await providers.close();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const gateway = demoGateway();
    await startOrigins(gateway, origins);
    await addWatchedPool(gateway, origins);
    await startProviders(gateway, providers);
    project.provide("farmPort", await origins.listen());
    project.provide("providerPort", await providers.listen());

    // Secrets go in an env file of our own: with --env-file wrangler ignores a developer's .dev.vars.
    const secrets = new Set(Object.values(gateway.providers).flatMap((p) => p.apiKeySecret ?? []));
    const envFile = join(dir, "secrets.env");
    writeFileSync(
      envFile,
      [`ADMIN_TOKEN=${ADMIN_TOKEN}`, ...[...secrets].map((s) => `${s}=${SECRET_PREFIX}${s}`)].join("\n"),
    );

    const started = startWrangler(dir, envFile, gateway);
    wrangler = started.child;
    const url = await started.ready;
    project.provide("gatewayUrl", url);
    project.provide("adminToken", ADMIN_TOKEN);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}

function demoGateway(): DemoGateway {
  const config = unstable_readConfig(
    { config: join(ROOT, "wrangler.toml"), env: "demo" },
    { hideWarnings: true },
  );
  return structuredClone((config.vars as Record<string, unknown>).GATEWAY) as DemoGateway;
}

/** One origin per distinct demo port (pools that share an origin share it here too), named after
 * the first backend that uses it: eu-1, eu-2, us-1 … as in `npm start`. */
async function startOrigins(gateway: DemoGateway, farm: OriginFarm): Promise<void> {
  const ports = new Map<string, number>();
  for (const [pool, { backends }] of Object.entries(gateway.pools)) {
    for (const backend of backends) {
      const url = new URL(backend.url);
      let port = ports.get(url.port);
      if (port === undefined) {
        port = (await farm.add(backend.id, pool)).port;
        ports.set(url.port, port);
      }
      url.port = String(port);
      backend.url = url.href.replace(/\/$/, "");
    }
  }
}

/**
 * A pool the dashboard's browser test watches: one backend up, one that nothing listens for,
 * probed every 10 s and marked down at its first failed probe (dashboard-browser.test.ts).
 */
async function addWatchedPool(gateway: DemoGateway, farm: OriginFarm): Promise<void> {
  const up = await farm.add("watched-up", "watched");
  gateway.pools.watched = {
    backends: [
      { id: "watched-up", url: `http://127.0.0.1:${up.port}` },
      { id: "watched-down", url: "http://127.0.0.1:9" },
    ],
    healthCheck: { path: "/healthz", intervalSeconds: 10, unhealthyThreshold: 1, timeoutMs: 2000 },
  };
}

/** A fake provider per configured provider, named as the provider (openai, anthropic, gemini),
 * and a faulty twin of each for the error-mapping tests: alias `faulty-<provider>`, one target, no
 * circuit breaker, so that its faults reach the client and never leak into the demo's aliases. */
async function startProviders(gateway: DemoGateway, farm: ProviderFarm): Promise<void> {
  for (const [name, provider] of Object.entries(gateway.providers)) {
    const kind = fakeKind(provider.type);
    provider.baseUrl = withPort(provider.baseUrl, (await farm.add(name, kind)).port);
    const twin = `faulty-${name}`;
    gateway.providers[twin] = {
      ...provider,
      baseUrl: withPort(provider.baseUrl, (await farm.add(twin, kind)).port),
      circuitBreaker: { enabled: false },
    };
    gateway.models[twin] = { targets: [{ provider: twin, model: "test-model" }] };
  }
}

function fakeKind(type: string): ProviderKind {
  if (type === "openai" || type === "anthropic" || type === "gemini") return type;
  throw new Error(`the e2e setup has no fake provider for provider type ${type}`);
}

function withPort(base: string, port: number): string {
  const url = new URL(base);
  url.port = String(port);
  return url.href.replace(/\/$/, "");
}

function startWrangler(dir: string, envFile: string, gateway: DemoGateway) {
  const bin = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");
  const args = [
    bin,
    "dev",
    "--env",
    "demo",
    "--ip",
    "127.0.0.1",
    "--port",
    "0",
    "--persist-to",
    join(dir, "state"),
    "--env-file",
    envFile,
    "--var",
    `GATEWAY:${JSON.stringify(gateway)}`,
    "--show-interactive-dev-session=false",
  ];
  // Its own process group, so that teardown can stop wrangler and the workerd it spawns together.
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    // CLOUDFLARE_CF_FETCH_ENABLED=false: the placeholder `cf`, as npm start asks for it, instead of a
    // fetch of Cloudflare's that fails offline after a timeout.
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      NO_COLOR: "1",
      FORCE_COLOR: "0",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
    },
    detached: true,
  });
  let log = "";
  const ready = new Promise<string>((resolve, reject) => {
    const fail = (why: string) => reject(new Error(`wrangler dev ${why}; its output:\n${log}`));
    const timer = setTimeout(() => fail(`was not ready in ${READY_TIMEOUT_MS / 1000} s`), READY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      const port = /Ready on http:\/\/127\.0\.0\.1:(\d+)/.exec(log)?.[1];
      if (!port) return;
      child.stdout?.off("data", onData);
      const url = `http://127.0.0.1:${port}`;
      waitHealthy(url, () => child.exitCode !== null).then(
        () => {
          clearTimeout(timer);
          resolve(url);
        },
        (error: Error) => {
          clearTimeout(timer);
          fail(error.message);
        },
      );
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      log += chunk.toString();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(`exited with code ${code}`);
    });
  });
  // Keep draining its output so that a chatty wrangler never blocks on a full pipe.
  child.stdout?.on("data", () => undefined);
  return { child, ready };
}

async function waitHealthy(url: string, exited: () => boolean): Promise<void> {
  for (;;) {
    if (exited()) throw new Error("exited before answering");
    const ok = await fetch(`${url}/__aya/healthz`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stopWrangler(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid) return;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    signalGroup(child, "SIGINT");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  }
  // Whatever is left of the group (a workerd that outlived wrangler) goes too.
  signalGroup(child, "SIGKILL");
}

function signalGroup(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (!child?.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}
