// Runs `npm start` (scripts/dev.ts) as a user does, for the e2e tests: its output captured, its
// process group stopped afterwards. Ports: a base port whose whole demo layout (the gateway, and
// every demo port shifted by the same amount) is free, below the ephemeral range the other e2e
// servers draw from, so a running `npm start` on the default ports is never disturbed.
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdtempSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { type DemoLayout, demoLayout } from "../../../scripts/lib/demo.ts";
import { readWranglerConfig } from "../../../scripts/lib/wrangler-config.ts";

export const ROOT = join(import.meta.dirname, "../../..");
const TSX = join(ROOT, "node_modules/.bin/tsx");
const DEV = join(ROOT, "scripts/dev.ts");

/** The demo's layout for a gateway port, by the same rule as npm start (scripts/lib/demo.ts). */
export function layoutFor(port: number): DemoLayout {
  const read = readWranglerConfig(join(ROOT, "wrangler.toml"), "demo");
  if (!read.ok) throw new Error(read.problem);
  return demoLayout(read.gateway, port);
}

export interface Run {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves with the exit code once it has exited. */
  exited: Promise<number | null>;
}

/** What a fresh clone does not have: installed packages, local secrets and state, git itself. */
const NOT_IN_A_CLONE = new Set([".git", "node_modules", ".dev.vars", ".wrangler", ".bench", "dist"]);

/**
 * The project as a fresh clone has it (the working tree's files, no .dev.vars, no local state),
 * in a temporary directory, with this checkout's node_modules linked in: `npm start` there is
 * what a newcomer's first `npm start` is, whatever a developer keeps in their own .dev.vars.
 */
export function freshClone(): string {
  const dir = mkdtempSync(join(tmpdir(), "aya-clone-"));
  cpSync(ROOT, dir, {
    recursive: true,
    filter: (source) => source === ROOT || !NOT_IN_A_CLONE.has(basename(source)),
  });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

const started = new Set<Run>();

/** Stops every run a test started and left running (a failed test must not leave a demo behind). */
export async function stopAll(): Promise<void> {
  await Promise.all([...started].map((run) => stop(run)));
  started.clear();
}

export function npmStart(options: { args?: string[]; env?: Record<string, string>; cwd?: string } = {}): Run {
  const child = spawn(TSX, [DEV, ...(options.args ?? [])], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let text = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const run = { child, output: () => text, exited };
  started.add(run);
  return run;
}

/** Waits until the output matches, failing with the output so far after `ms`. */
export async function waitForOutput(run: Run, pattern: RegExp, ms: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + ms;
  for (;;) {
    const match = pattern.exec(run.output());
    if (match) return match;
    if (run.child.exitCode !== null) throw new Error(`npm start exited early:\n${run.output()}`);
    if (Date.now() > deadline) throw new Error(`no ${pattern} in ${ms / 1000} s; output:\n${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Ctrl-C, as a user stops it; then whatever is left of its process group. */
export async function stop(run: Run): Promise<number | null> {
  const pid = run.child.pid;
  if (pid === undefined) return null;
  if (run.child.exitCode === null) {
    signal(pid, "SIGINT");
    await Promise.race([run.exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
  }
  signal(pid, "SIGKILL");
  return run.exited;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(-pid, name);
  } catch {
    // already gone
  }
}

export function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A gateway port whose demo layout is entirely free (the demo spans 8787 to 9403 + the shift). */
export async function freeDemoPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 1_000) * 10;
    const free = await Promise.all(layoutFor(port).ports.map((p) => isFree(p.port)));
    if (free.every(Boolean)) return port;
  }
  throw new Error("no free port range for the demo");
}

/** Holds a port, as another program would. */
export async function occupy(port: number): Promise<() => Promise<void>> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Text that means a stack trace reached the user. */
export const STACK = /^\s+at .+[:(]|EADDRINUSE|kj::Exception|ENOTFOUND/m;
