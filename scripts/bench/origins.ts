// Bench origins run in a child process (its own event loop, so they are not slowed by the load
// generator), controlled over HTTP through the same origin farm the demo and the tests use.
import { type ChildProcess, spawn } from "node:child_process";
import { track } from "./lifecycle.ts";

export interface Origins {
  /** The origin process, for its CPU time. */
  pid: number | undefined;
  add(id: string): Promise<string>;
  mode(id: string, mode: string): Promise<void>;
  stop(id: string): Promise<void>;
  hits(id: string): Promise<number>;
  reset(id: string): Promise<void>;
  close(): Promise<void>;
}

function spawnFarm(): { child: ChildProcess; port: Promise<number> } {
  // node --import tsx (not the tsx launcher) so that the pid is the process serving the origins.
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/bench/origin-process.ts"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const port = new Promise<number>((resolve, reject) => {
    child.stdout?.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once("exit", (code) => reject(new Error(`origin process exited with ${code}`)));
  });
  return { child, port };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

export async function startOrigins(): Promise<Origins> {
  const { child, port } = spawnFarm();
  const close = track(() => stopChild(child));
  const control = `http://127.0.0.1:${await port.catch(async (error) => {
    await close();
    throw error;
  })}/origins`;
  const post = async (path: string, body: unknown = {}) => {
    const res = await fetch(`${control}${path}`, { method: "POST", body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`origin control ${path}: ${res.status}`);
    return (await res.json()) as { port: number; hits: number };
  };
  return {
    pid: child.pid,
    async add(id) {
      const info = await post("", { id, region: "bench" });
      return `http://127.0.0.1:${info.port}`;
    },
    mode: async (id, mode) => void (await post(`/${id}/mode`, { mode })),
    stop: async (id) => void (await post(`/${id}/stop`)),
    reset: async (id) => void (await post(`/${id}/reset`)),
    async hits(id) {
      const res = await fetch(`${control}/${id}`);
      return ((await res.json()) as { hits: number }).hits;
    },
    close,
  };
}
