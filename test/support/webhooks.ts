// The tests' handle on the webhook receiver (scripts/lib/webhooks.ts), from inside workerd.
import { inject } from "vitest";

export interface ReceivedAlert {
  headers: Record<string, string | undefined>;
  body: string;
}

export const hookUrl = (name: string) => `http://127.0.0.1:${inject("webhookPort")}/hooks/${name}`;

export async function receivedAlerts(name: string): Promise<ReceivedAlert[]> {
  const res = await fetch(hookUrl(name));
  if (!res.ok) throw new Error(`webhooks ${name}: ${res.status}`);
  return (await res.json()) as ReceivedAlert[];
}

export async function hookMode(name: string, mode: string): Promise<void> {
  const res = await fetch(`${hookUrl(name)}/mode`, { method: "POST", body: JSON.stringify({ mode }) });
  if (!res.ok) throw new Error(`webhooks ${name} mode: ${res.status} ${await res.text()}`);
}
