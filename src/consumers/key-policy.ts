// A runtime key's policy (CONTRACT §7: POST/PATCH /__aya/keys): who owns it, what it may call and
// spend, when it stops working. Validated here, once, when an operator sets it; the replicated
// record carries it as it is.
import { z } from "zod";
import { limitsSchema } from "../config/plan-schema";

const consumerId = z
  .string()
  .regex(/^[A-Za-z0-9._:@-]{1,128}$/, "consumer ids are 1-128 characters of A-Z a-z 0-9 . _ : @ -");

const policyFields = {
  consumer: consumerId,
  name: z.string().min(1).max(128).optional(),
  plan: z.string().min(1).max(64).optional(),
  /** Model aliases, `provider/model` or `provider/*` the key may use; absent: any. */
  models: z.array(z.string().min(1).max(256)).max(100).optional(),
  /** Route path patterns as written in the config (`/v1/*`); absent: any route with auth. */
  routes: z.array(z.string().startsWith("/").max(256)).max(100).optional(),
  limits: limitsSchema.optional(),
  /** ISO 8601; the key stops working then. */
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  metadata: z
    .record(z.string().min(1).max(64), z.string().max(256))
    .refine((m) => Object.keys(m).length <= 16, "at most 16 entries")
    .optional(),
};

export const createKeySchema = z.strictObject(policyFields);

/** PATCH: any field; `null` clears an optional one. */
export const patchKeySchema = z.strictObject({
  consumer: policyFields.consumer.optional(),
  name: policyFields.name.nullable(),
  plan: policyFields.plan.nullable(),
  models: policyFields.models.nullable(),
  routes: policyFields.routes.nullable(),
  limits: policyFields.limits.nullable(),
  expiresAt: policyFields.expiresAt.nullable(),
  metadata: policyFields.metadata.nullable(),
});

export type KeyPolicy = z.output<typeof createKeySchema>;
export type KeyPatch = z.output<typeof patchKeySchema>;

/** What is stored and replicated of a key: its policy and facts, never the key. */
export interface KeyRecord extends KeyPolicy {
  id: string;
  /** The key's last 4 characters, to tell keys apart in a list. */
  hint: string;
  createdAt: string;
  revokedAt?: string;
}

export function applyPatch(record: KeyRecord, patch: KeyPatch): KeyRecord {
  const next: KeyRecord = { ...record };
  for (const [field, value] of Object.entries(patch) as [keyof KeyPatch, unknown][]) {
    if (value === undefined) continue;
    if (value === null) delete (next as Partial<KeyRecord>)[field];
    else (next as unknown as Record<string, unknown>)[field] = value;
  }
  return next;
}
