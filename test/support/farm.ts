// The tests' handle on the origin farm (scripts/lib/farm.ts), from inside workerd.
import { inject } from "vitest";

export interface OriginInfo {
  id: string;
  region: string;
  port: number;
  up: boolean;
  hits: number;
  healthHits: number;
  holding: number;
}

const base = () => `http://127.0.0.1:${inject("farmPort")}/origins`;

async function call(path: string, body?: unknown): Promise<OriginInfo> {
  const res = await fetch(`${base()}${path}`, {
    method: body === undefined ? "GET" : "POST",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`farm ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as OriginInfo;
}

export async function origin(id: string, region = "test"): Promise<{ id: string; url: string }> {
  const info = await call("", { id, region });
  return { id, url: `http://127.0.0.1:${info.port}` };
}

export const setMode = (id: string, mode: string) => call(`/${id}/mode`, { mode });
export const stop = (id: string) => call(`/${id}/stop`, {});
export const start = (id: string) => call(`/${id}/start`, {});
export const info = (id: string) => call(`/${id}`);
export const reset = (id: string) => call(`/${id}/reset`, {});
/** Lets the answers the origin holds (`?hold=headers`, `?hold=body`) go on. */
export const release = (id: string) => call(`/${id}/release`, {});

/** What the origin received in its last request: body size, and whether the body ended cleanly. */
export interface Received {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  bytes: number;
  complete: boolean;
  error?: string;
}

/** Waits until the origin's last request body has ended (or was cut), then tells what arrived. */
export async function received(id: string): Promise<Received | null> {
  const res = await fetch(`${base()}/${id}/received`);
  if (!res.ok) throw new Error(`farm received ${id}: ${res.status}`);
  return (await res.json()) as Received | null;
}
