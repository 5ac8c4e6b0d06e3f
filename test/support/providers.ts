// The tests' handle on the fake AI providers (scripts/lib/providers.ts), from inside workerd.
import { inject } from "vitest";

const base = () => `http://127.0.0.1:${inject("providerPort")}/providers`;

async function call(path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${base()}${path}`, {
    method: body === undefined ? "GET" : "POST",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`providers ${path}: ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

export async function fakeProvider(id: string, kind: "openai" | "anthropic" | "gemini"): Promise<string> {
  const info = await call("", { id, kind });
  return `http://127.0.0.1:${info.port}`;
}

export const providerMode = (id: string, mode: string) => call(`/${id}/mode`, { mode });
export const stopProvider = (id: string) => call(`/${id}/stop`, {});
export const startProvider = (id: string) => call(`/${id}/start`, {});
export const lastRequest = async (id: string) =>
  (await call(`/${id}/last`)) as {
    method: string;
    url: string;
    headers: Record<string, string>;
    body: Record<string, unknown>;
  };
