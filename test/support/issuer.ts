// The tests' handle on the fake JWT issuer (scripts/lib/issuer.ts), from inside workerd.
import { inject } from "vitest";

export const issuerUrl = () => `http://127.0.0.1:${inject("issuerPort")}`;

async function post(path: string, body: unknown = {}): Promise<Record<string, unknown>> {
  const res = await fetch(`${issuerUrl()}${path}`, { method: "POST", body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`issuer ${path}: ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

export const signToken = async (
  claims: Record<string, unknown>,
  alg: "RS256" | "ES256" = "RS256",
  kid?: string,
) => (await post("/sign", { claims, alg, kid })).token as string;
export const forgeToken = async (claims: Record<string, unknown>, kind: "hs256-public-key" | "none") =>
  (await post("/forge", { claims, kind })).token as string;
export const rotateKeys = () => post("/rotate");
export const retireKeys = () => post("/retire");
export const publicPem = async () => (await fetch(`${issuerUrl()}/public.pem`)).text();
export const jwksFetches = async () =>
  ((await (await fetch(`${issuerUrl()}/stats`)).json()) as { jwksFetches: number }).jwksFetches;
