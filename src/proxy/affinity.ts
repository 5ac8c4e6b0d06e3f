// Session affinity. Cookie affinity stores the backend id in a cookie the gateway sets. Header
// and IP affinity have nothing to store at the client, so the first choice is a weighted
// rendezvous hash of the key (every isolate agrees on it) and the isolate remembers the pin for
// ttlSeconds. A pinned backend that is no longer usable is replaced and the pin moved: the client
// sees no error, only (for cookies) a new Set-Cookie.
import { rendezvous } from "../balancing/ip-hash";
import type { Affinity, Backend } from "../config/normalize";
import type { ClientInfo } from "../routing/client";
import { readCookie } from "../routing/pools";

export interface AffinityKey {
  affinity: Affinity;
  /** Cookie: the backend id the client presented. Header/IP: the session key. */
  value?: string;
}

export function affinityKey(affinity: Affinity, request: Request, client: ClientInfo): AffinityKey {
  if (affinity.type === "cookie")
    return { affinity, value: readCookie(request.headers.get("cookie"), affinity.name) };
  if (affinity.type === "header") return { affinity, value: request.headers.get(affinity.name) ?? undefined };
  return { affinity, value: client.ip || undefined };
}

const MAX_PINS = 10_000;

export class PinTable {
  private readonly pins = new Map<string, { backend: string; expires: number }>();

  get(pool: string, key: string, now: number): string | undefined {
    const pin = this.pins.get(`${pool}\u0000${key}`);
    if (!pin || pin.expires <= now) return undefined;
    return pin.backend;
  }

  set(pool: string, key: string, backend: string, ttlSeconds: number, now: number): void {
    const id = `${pool}\u0000${key}`;
    this.pins.delete(id);
    // Map keeps insertion order: the first entry is the least recently pinned.
    if (this.pins.size >= MAX_PINS) {
      const oldest = this.pins.keys().next().value;
      if (oldest !== undefined) this.pins.delete(oldest);
    }
    this.pins.set(id, { backend, expires: now + ttlSeconds * 1000 });
  }
}

/** The pinned backend for this key among the usable ones, if there is one. */
export function pinnedBackend<B extends Backend>(
  key: AffinityKey,
  pool: string,
  usable: readonly B[],
  pins: PinTable,
  now: number,
): B | undefined {
  if (!key.value) return undefined;
  if (key.affinity.type === "cookie") return usable.find((b) => b.id === key.value);
  const pinned = pins.get(pool, key.value, now);
  if (pinned) {
    const found = usable.find((b) => b.id === pinned);
    if (found) return found;
  }
  return rendezvous(usable, key.value);
}

export function affinityCookie(affinity: Affinity, backendId: string, secure: boolean): string {
  return `${affinity.name}=${encodeURIComponent(backendId)}; Max-Age=${affinity.ttlSeconds}; Path=/; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}
