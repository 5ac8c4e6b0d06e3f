// `npm start`: the demo. Starts regional origins (and the fake AI providers, when present) on
// 127.0.0.1, then `wrangler dev --env demo` on :8787, prints a few curl lines, and on Ctrl-C
// stops everything it started.
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { OriginFarm } from "./lib/farm.ts";

const ORIGINS: [id: string, region: string, port: number][] = [
  ["eu-1", "eu", 9101],
  ["eu-2", "eu", 9102],
  ["us-1", "us", 9201],
  ["us-2", "us", 9202],
  ["ap-1", "ap", 9301],
  ["ap-2", "ap", 9302],
];
const CONTROL_PORT = 9100;

async function main() {
  if (!existsSync(".dev.vars")) copyFileSync(".dev.vars.example", ".dev.vars");
  const farm = new OriginFarm();
  for (const [id, region, port] of ORIGINS) await farm.add(id, region, port);
  await farm.listen(CONTROL_PORT);
  console.log(`demo origins: ${ORIGINS.map(([id, , port]) => `${id}@127.0.0.1:${port}`).join("  ")}`);

  const stops: (() => Promise<void>)[] = [() => farm.close()];
  // The fake AI providers (OpenAI, Anthropic, Gemini wire formats) for the /v1 demo route.
  const providers = new URL("./lib/providers.ts", import.meta.url);
  if (existsSync(providers)) {
    const mod = (await import(providers.href)) as { startDemoProviders: () => Promise<() => Promise<void>> };
    stops.push(await mod.startDemoProviders());
  }

  const wrangler: ChildProcess = spawn(
    "npx",
    [
      "wrangler",
      "dev",
      "--env",
      "demo",
      "--ip",
      "127.0.0.1",
      "--port",
      "8787",
      "--test-scheduled",
      ...process.argv.slice(2),
    ],
    {
      stdio: ["inherit", "pipe", "inherit"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
      detached: true,
    },
  );
  let announced = false;
  let cron: ReturnType<typeof setInterval> | undefined;
  wrangler.stdout?.on("data", (chunk: Buffer) => {
    process.stdout.write(chunk);
    if (!announced && chunk.toString().includes("Ready on")) {
      announced = true;
      printTryLines();
      // wrangler dev does not fire cron triggers by itself; --test-scheduled lets us, once a minute
      // as in production (probe intervals under a minute run on Durable Object alarms).
      const tick = () => fetch("http://127.0.0.1:8787/__scheduled?cron=*+*+*+*+*").catch(() => undefined);
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
    await Promise.all(stops.map((stop) => stop()));
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
  process.on("SIGHUP", () => void shutdown(0));
  wrangler.on("exit", (code) => void shutdown(code ?? 0));
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

function printTryLines() {
  const json = "-H 'content-type: application/json'";
  const lines = [
    "",
    "aya demo is up on http://127.0.0.1:8787 — try:",
    "  curl -i -H 'x-aya-geo-country: DE' localhost:8787/api/hello      # → an eu backend (see x-aya-backend)",
    "  curl -i -H 'x-aya-geo-country: JP' localhost:8787/api/hello      # → ap",
    "  curl -i -H 'x-aya-geo-lat: -33.9' -H 'x-aya-geo-lon: 151.2' localhost:8787/api/hello  # nearest pool: ap",
    "  curl -X POST localhost:9100/origins/eu-1/stop; curl -X POST localhost:9100/origins/eu-2/stop",
    "  curl -i -H 'x-aya-geo-country: DE' localhost:8787/api/hello      # eu is down → us, still 200",
    "  curl -X POST localhost:9100/origins/eu-1/start; curl -X POST localhost:9100/origins/eu-2/start",
    '  curl -X POST -d \'{"mode":"status:503"}\' localhost:9100/origins/us-1/mode   # fault injection',
    "  curl -i -c jar -b jar localhost:8787/sticky/x                    # cookie affinity",
    "  curl -i -H 'x-user: alice' localhost:8787/hash/x                 # consistent hash",
    "  curl -i localhost:8787/canary/x                                  # 90/10 split",
    "  curl localhost:8787/__aya/healthz",
    "  curl -H 'authorization: Bearer dev-admin-token' localhost:8787/__aya/status",
    "",
    "AI, the OpenAI-compatible API on /v1 (aliases chat, gpt, claude, gemini, embed, gemini-embed;",
    "fake providers' control API on :9400):",
    "  curl localhost:8787/v1/models",
    `  curl -i localhost:8787/v1/chat/completions ${json} -d '{"model":"claude","messages":[{"role":"user","content":"hello"}]}'`,
    `  curl -N localhost:8787/v1/chat/completions ${json} -d '{"model":"gemini","stream":true,"messages":[{"role":"user","content":"hello"}]}'`,
    `  curl localhost:8787/v1/embeddings ${json} -d '{"model":"embed","input":"hello"}'`,
    "  curl -X POST localhost:9400/providers/fake-openai/stop           # take down chat's first target, then:",
    `  curl -i localhost:8787/v1/chat/completions ${json} -d '{"model":"chat","messages":[{"role":"user","content":"hello"}]}'   # 200, x-aya-provider: anthropic`,
    "  curl -X POST localhost:9400/providers/fake-openai/start",
    '  curl -X POST -d \'{"mode":"status:429:30"}\' localhost:9400/providers/fake-openai/mode   # or status:500, delay:2000, break-stream, ok',
    "",
  ];
  console.log(lines.join("\n"));
}

void main();
