// One delivery of an alert: a JSON POST, signed `x-aya-signature: sha256=<hex HMAC-SHA256 of the
// body>` when a secret is set (as GitHub signs its webhooks), on the clock's deadline, never
// following a redirect (a signed alert goes where it was configured to, nowhere else).
import type { Clock } from "../../clock";
import { deadline } from "../../proxy/deadline";

/** A receiver that has not answered in this long has failed this attempt. */
export const DELIVERY_TIMEOUT_MS = 10_000;

export type Delivery = "delivered" | "retry" | "refused";

export async function signature(body: string, secret: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    enc.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(body)));
  return `sha256=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export interface WebhookTarget {
  url: string;
  /** The secret's value, when the config names one. */
  secret?: string;
}

/**
 * Sends once. 2xx is delivered; a network error, a timeout, 408, 429 or 5xx is worth another try;
 * any other answer (the receiver refuses this alert) is not.
 */
export async function deliver(
  target: WebhookTarget,
  alert: { id: string; event: string; body: string },
  clock: Pick<Clock, "setTimer">,
  send: typeof fetch = fetch,
): Promise<{ outcome: Delivery; status?: number; error?: string }> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "aya-alerts",
    "x-aya-event": alert.event,
    "x-aya-delivery": alert.id,
  };
  if (target.secret) headers["x-aya-signature"] = await signature(alert.body, target.secret);
  const limit = deadline(clock, DELIVERY_TIMEOUT_MS);
  try {
    const res = await send(target.url, {
      method: "POST",
      headers,
      body: alert.body,
      redirect: "manual",
      signal: limit.signal,
    });
    await res.body?.cancel();
    if (res.status >= 200 && res.status < 300) return { outcome: "delivered", status: res.status };
    const retry = res.status === 408 || res.status === 429 || res.status >= 500;
    return { outcome: retry ? "retry" : "refused", status: res.status };
  } catch (error) {
    return { outcome: "retry", error: limit.expired() ? "timeout" : String(error) };
  } finally {
    limit.clear();
  }
}
