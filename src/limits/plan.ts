// What limits apply to a request: its consumer's plan with the key's overrides (field by field),
// and its route's own rateLimit, each as a subject (whose Limits object owns it) and a policy.
import type { Gateway, Route } from "../config/normalize";
import type { Plan } from "../config/plan-schema";
import type { Consumer } from "../consumers/consumer";
import type { QuotaPolicy } from "./lease";

/** A lease covers at most this long, and at most this share of what is left. */
const LEASE_TTL_MS = 10_000;
const LEASE_SHARE = 0.1;

export function limitsOf(gateway: Gateway, consumer: Consumer | undefined): Plan | undefined {
  if (!consumer) return undefined;
  const plan = consumer.plan ? gateway.plans.get(consumer.plan) : undefined;
  if (!plan && !consumer.limits) return undefined;
  return { ...plan, ...consumer.limits };
}

export function quotaPolicy(limit: number, windowSeconds: number): QuotaPolicy {
  const windowMs = windowSeconds * 1000;
  return { limit, windowMs, leaseTtlMs: Math.min(LEASE_TTL_MS, windowMs), maxShare: LEASE_SHARE };
}

export const consumerSubject = (consumer: Consumer) => `consumer:${consumer.id}`;

export interface RequestLimit {
  subject: string;
  policy: QuotaPolicy;
  /** For the 429: the consumer's own limit, or the route's. */
  scope: "consumer" | "route";
}

/** The request limits of this request: the route's rateLimit, the consumer's plan requests. */
export function requestLimits(
  route: Route,
  plan: Plan | undefined,
  consumer: Consumer | undefined,
  clientIp: string,
  headers: Headers,
): RequestLimit[] {
  const out: RequestLimit[] = [];
  const rl = route.rateLimit;
  if (rl) {
    let key = `ip:${clientIp}`;
    if (rl.by === "consumer" && consumer) key = `consumer:${consumer.id}`;
    else if (rl.by.startsWith("header:")) {
      const value = headers.get(rl.by.slice(7));
      // A header's value may be long or hostile: only its shape-free fingerprint names the object.
      if (value) key = `header:${rl.by.slice(7)}:${fingerprint(value)}`;
    }
    out.push({
      subject: `rl:${route.path}:${key}`,
      policy: quotaPolicy(rl.limit, rl.windowSeconds),
      scope: "route",
    });
  }
  if (consumer && plan?.requests)
    out.push({
      subject: consumerSubject(consumer),
      policy: quotaPolicy(plan.requests.limit, plan.requests.windowSeconds),
      scope: "consumer",
    });
  return out;
}

/** A short, stable fingerprint of a string (FNV-1a, 2 × 32 bits): object names stay bounded. */
function fingerprint(value: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return `${(a >>> 0).toString(36)}${(b >>> 0).toString(36)}`;
}
