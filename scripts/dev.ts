// `npm start`: the demo. Checks the demo config, then starts regional origins and fake AI
// providers on 127.0.0.1 and `wrangler dev --env demo` on :8787 (AYA_PORT, or --port, moves the
// gateway and every demo port by the same amount), prints the README's lines to try, and on
// Ctrl-C stops everything it started. Whatever stops it from starting (a port taken, a config
// mistake) is said in plain sentences before anything is started.
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseGateway } from "../src/config/normalize.ts";
import { DEFAULT_GATEWAY_PORT, type DemoLayout, demoLayout } from "./lib/demo.ts";
import { OriginFarm } from "./lib/farm.ts";
import { firstTaken } from "./lib/ports.ts";
import { startDemoProviders } from "./lib/providers.ts";
import { walkthrough } from "./lib/walkthrough.ts";
import { readWranglerConfig } from "./lib/wrangler-config.ts";

const CONFIG = "wrangler.toml";

/** Stops `npm start` with one sentence: a person reads it, not a stack trace. */
class StartError extends Error {}

interface Options {
  port: number;
  /** Everything else on the command line goes to wrangler dev (e.g. --log-level debug). */
  wranglerArgs: string[];
}

function options(argv: string[], env: NodeJS.ProcessEnv): Options {
  const wranglerArgs: string[] = [];
  let given = env.AYA_PORT;
  let from = "AYA_PORT";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--port" || arg === "-p") {
      given = argv[++i];
      from = "--port";
    } else if (arg.startsWith("--port=")) {
      given = arg.slice("--port=".length);
      from = "--port";
    } else wranglerArgs.push(arg);
  }
  if (given === undefined || given === "") return { port: DEFAULT_GATEWAY_PORT, wranglerArgs };
  const port = Number(given);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new StartError(`${from}=${given} is not a port; give a number such as AYA_PORT=8797 npm start`);
  return { port, wranglerArgs };
}

/** The demo config with its ports shifted, checked with the Worker's own parser. */
function demoConfig(port: number): DemoLayout {
  const read = readWranglerConfig(CONFIG, "demo");
  if (!read.ok) throw new StartError(read.problem);
  const layout = demoLayout(read.gateway, port);
  const parsed = parseGateway(layout.gateway);
  if (!parsed.ok) {
    const problems = parsed.errors.map((problem) => `  - ${problem}`).join("\n");
    throw new StartError(`GATEWAY in ${read.where} is invalid, so the demo was not started:\n${problems}`);
  }
  for (const port of layout.ports.map((p) => p.port))
    if (port > 65535)
      throw new StartError(
        `AYA_PORT=${layout.gatewayPort} would put demo ports past 65535; choose a lower one`,
      );
  return layout;
}

/** Another gateway port whose whole layout is free: the next free one in steps of 10. */
async function freeAlternative(layout: DemoLayout): Promise<number | undefined> {
  for (let step = 10; step <= 500; step += 10) {
    const ports = layout.ports.map((p) => ({ port: p.port + step }));
    if (ports.some((p) => p.port > 65535)) return undefined;
    if (!(await firstTaken(ports))) return layout.gatewayPort + step;
  }
  return undefined;
}

async function checkPorts(layout: DemoLayout): Promise<void> {
  const taken = await firstTaken(layout.ports);
  if (!taken) return;
  const other = await freeAlternative(layout);
  const how = other ? `AYA_PORT=${other} npm start` : "AYA_PORT=<another port> npm start";
  throw new StartError(
    `port ${taken.port} (${taken.what}) is already in use, perhaps by another npm start; choose other ports with ${how} (every demo port moves with it)`,
  );
}

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2), process.env);
  const layout = demoConfig(opts.port);
  await checkPorts(layout);
  const ownSecrets = opts.wranglerArgs.some((a) => a === "--env-file" || a.startsWith("--env-file="));
  if (!ownSecrets && !existsSync(".dev.vars")) copyFileSync(".dev.vars.example", ".dev.vars");

  const stops: (() => Promise<void>)[] = [];
  const stopServers = () => Promise.all(stops.map((stop) => stop()));
  try {
    const farm = new OriginFarm();
    stops.push(() => farm.close());
    for (const o of layout.origins) await farm.add(o.id, o.region, o.port);
    await farm.listen(layout.originControlPort);
    const providers = await startDemoProviders(layout.providers, layout.providerControlPort);
    stops.push(() => providers.close());
  } catch (error) {
    await stopServers();
    throw error;
  }
  console.log(
    `demo origins: ${layout.origins.map((o) => `${o.id}@127.0.0.1:${o.port}`).join("  ")} (control :${layout.originControlPort})`,
  );
  console.log(
    `demo AI providers: ${layout.providers.map((p) => `${p.id}@127.0.0.1:${p.port}`).join("  ")} (control :${layout.providerControlPort})`,
  );

  // A fresh state directory per run: the demo starts from nothing (no cached answers, no circuit
  // left open from last time), and two demos on different ports never share a database.
  const state = mkdtempSync(join(tmpdir(), "aya-demo-"));
  stops.push(async () => rmSync(state, { recursive: true, force: true }));
  const wrangler = startWrangler(layout, state, opts.wranglerArgs);
  const gateway = `http://127.0.0.1:${layout.gatewayPort}`;
  let announced = false;
  let cron: ReturnType<typeof setInterval> | undefined;
  // The Worker checks its config on the first request of an isolate and logs what is wrong:
  // knock once after every (re)load, so an edit that breaks wrangler.toml is reported at once.
  const knock = () => fetch(`${gateway}/__aya/healthz`).catch(() => undefined);
  wrangler.stdout?.on("data", (chunk: Buffer) => {
    process.stdout.write(chunk);
    const text = chunk.toString();
    if (text.includes("Local server updated and ready")) void knock();
    if (!announced && text.includes("Ready on")) {
      announced = true;
      void knock();
      printTryLines(layout);
      // wrangler dev does not fire cron triggers by itself; --test-scheduled lets us, once a minute
      // as in production (probe intervals under a minute run on Durable Object alarms).
      const tick = () => fetch(`${gateway}/__scheduled?cron=*+*+*+*+*`).catch(() => undefined);
      void tick();
      cron = setInterval(tick, 60_000);
    }
  });

  // wrangler runs in its own process group (detached) so that it and the workerd processes it
  // spawns can be signalled together, and stopped in order: wrangler first, then our servers.
  const wranglerExited = new Promise<void>((resolve) => wrangler.once("exit", () => resolve()));
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (cron) clearInterval(cron);
    if (wrangler.pid) {
      signalGroup(wrangler.pid, "SIGINT");
      await Promise.race([wranglerExited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      // Whatever is left of the group (a workerd that outlived wrangler) must not survive us.
      signalGroup(wrangler.pid, "SIGKILL");
    }
    await stopServers();
    process.exit(code);
  };
  // Importing wrangler (to read wrangler.toml) installs SIGINT / SIGTERM handlers that exit at
  // once, for Pages builders this process never runs; they would cut the shutdown short and leave
  // wrangler dev running. Only the listeners process.listeners() shows go: tsx hides its own, which
  // tells the tsx parent that this process handles the signal itself (else it kills it).
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
    for (const listener of process.listeners(signal)) process.removeListener(signal, listener);
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
  process.on("SIGHUP", () => void shutdown(0));
  wrangler.on("exit", (code) => void shutdown(code ?? 0));
}

function startWrangler(layout: DemoLayout, state: string, extra: string[]): ChildProcess {
  const args = [
    "wrangler",
    "dev",
    "--env",
    "demo",
    "--ip",
    "127.0.0.1",
    "--port",
    String(layout.gatewayPort),
  ];
  args.push("--test-scheduled", "--persist-to", state);
  // With the ports shifted, wrangler gets the shifted GATEWAY; wrangler.toml's own stays as
  // written (so an edit to it is then read on the next start, not on wrangler's reload).
  if (layout.shift !== 0) args.push("--var", `GATEWAY:${JSON.stringify(layout.gateway)}`);
  return spawn("npx", [...args, ...extra], {
    stdio: ["inherit", "pipe", "inherit"],
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      // Offline, wrangler's fetch of Cloudflare's `cf` object fails with a stack trace on every
      // start and falls back to its placeholder (Austin, Texas). The demo needs no real location
      // (the x-aya-geo-* headers stand in for one), so it asks for the placeholder up front.
      CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false",
    },
    detached: true,
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/** The README's walkthrough blocks marked `printed`, with the ports as this demo has them. */
function printTryLines(layout: DemoLayout): void {
  const readme = existsSync("README.md") ? readFileSync("README.md", "utf8") : "";
  const blocks = walkthrough(readme).filter((b) => b.printed);
  const lines = [
    "",
    `aya demo is up on http://127.0.0.1:${layout.gatewayPort}; try (more in README.md, "Try it"):`,
    ...blocks.flatMap((b) => ["", ...layout.shiftText(b.text).split("\n")]),
    "",
  ];
  console.log(lines.join("\n"));
}

main().catch((error: unknown) => {
  const message =
    error instanceof StartError
      ? error.message
      : `the demo could not start: ${(error as Error).message ?? error}`;
  console.error(`aya: ${message}`);
  process.exit(1);
});
