// Runtime keys for tests, made through the admin API of the app under test.
import type { ClockedResponse } from "./clocked";

export const ADMIN = { authorization: "Bearer test-admin-token" };

type Call = (path: string, init?: RequestInit) => Promise<ClockedResponse>;

export interface MadeKey {
  id: string;
  key: string;
  hint: string;
  consumer: string;
  [field: string]: unknown;
}

export async function makeKey(call: Call, policy: Record<string, unknown>): Promise<MadeKey> {
  const res = await call("/__aya/keys", {
    method: "POST",
    headers: { ...ADMIN, "content-type": "application/json" },
    body: JSON.stringify(policy),
  });
  if (res.status !== 201) throw new Error(`POST /__aya/keys: ${res.status} ${res.body}`);
  return JSON.parse(res.body) as MadeKey;
}

export async function adminCall(call: Call, method: string, path: string, body?: unknown) {
  const res = await call(path, {
    method,
    headers: { ...ADMIN, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {} };
}
