// Bench origins run in a child process (its own core's worth of event loop), controlled over
// HTTP through the same origin farm the demo and tests use.
import { type ChildProcess, spawn } from "node:child_process";

export interface Origins {
  control: string;
  urlOf(id: string): string;
  add(id: string): Promise<string>;
  mode(id: string, mode: string): Promise<void>;
  stop(id: string): Promise<void>;
  start(id: string): Promise<void>;
  hits(id: string): Promise<number>;
  reset(id: string): Promise<void>;
  close(): Promise<void>;
}

export async function startOrigins(): Promise<Origins> {
  const child: ChildProcess = spawn("node_modules/.bin/tsx", ["scripts/bench/origin-process.ts"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once("exit", (code) => reject(new Error(`origin process exited with ${code}`)));
  });
  const control = `http://127.0.0.1:${port}/origins`;
  const urls = new Map<string, string>();
  const post = async (path: string, body: unknown = {}) => {
    const res = await fetch(`${control}${path}`, { method: "POST", body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`origin control ${path}: ${res.status}`);
    return (await res.json()) as { port: number; hits: number };
  };
  return {
    control,
    urlOf: (id) => urls.get(id) as string,
    async add(id) {
      const info = await post("", { id, region: "bench" });
      const url = `http://127.0.0.1:${info.port}`;
      urls.set(id, url);
      return url;
    },
    mode: async (id, mode) => void (await post(`/${id}/mode`, { mode })),
    stop: async (id) => void (await post(`/${id}/stop`)),
    start: async (id) => void (await post(`/${id}/start`)),
    reset: async (id) => void (await post(`/${id}/reset`)),
    async hits(id) {
      const res = await fetch(`${control}/${id}`);
      return ((await res.json()) as { hits: number }).hits;
    },
    async close() {
      child.kill("SIGTERM");
    },
  };
}
