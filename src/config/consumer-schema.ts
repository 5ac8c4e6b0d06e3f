// Consumers in the GATEWAY config (CONTRACT §7): where keys are read, the JWT issuers, static
// consumers for configuration as code, and the per-route `auth`, `cors` and `access`. Kept apart
// from schema.ts so that the section reads as one piece; cross-checks (an unknown issuer, `*`
// with credentials) are in references.ts.
import { z } from "zod";
import { parseCidr } from "../consumers/cidr";
import { httpUrl, nonNegativeInt, secretName } from "./primitives";

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "must be a header name")
  .transform((name) => name.toLowerCase());

/**
 * Asymmetric algorithms only: a token is verified with a public key (JWKS or PEM), and HMAC with a
 * public key as its secret is the classic JWT forgery. `none` is never accepted.
 */
export const jwtAlgorithms = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
] as const;

export const jwtIssuerSchema = z.strictObject({
  issuer: z.string().min(1),
  audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  jwksUrl: httpUrl.optional(),
  publicKeySecret: secretName("the admin token is not a public key").optional(),
  consumerClaim: z.string().min(1).default("sub"),
  planClaim: z.string().min(1).optional(),
  algorithms: z.array(z.enum(jwtAlgorithms)).min(1).default(["RS256", "ES256"]),
  clockSkewSeconds: nonNegativeInt.max(600).default(60),
});

export const authSchema = z
  .strictObject({
    keyHeaders: z.array(headerName).min(1).default(["authorization", "x-api-key"]),
    jwt: z
      .record(z.string().regex(/^[A-Za-z0-9_-]+$/, "issuer names are A-Z a-z 0-9 _ -"), jwtIssuerSchema)
      .default({}),
  })
  .default({ keyHeaders: ["authorization", "x-api-key"], jwt: {} });

export const consumerSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9._:@-]{1,128}$/, "consumer ids are 1-128 characters of A-Z a-z 0-9 . _ : @ -"),
  keySecret: secretName("the admin token is not a consumer's key"),
  plan: z.string().min(1).optional(),
  models: z.array(z.string().min(1)).optional(),
  routes: z.array(z.string().startsWith("/")).optional(),
});

export const routeAuthSchema = z.strictObject({
  methods: z
    .array(z.string().regex(/^(key|jwt:[A-Za-z0-9_-]+)$/, 'must be "key" or "jwt:<issuer name>"'))
    .min(1)
    .default(["key"]),
  optional: z.boolean().default(false),
});

const origin = z
  .string()
  .refine(
    (o) => o === "*" || /^https?:\/\/(\*\.)?[A-Za-z0-9.-]+(:\d+)?$/.test(o),
    'must be "*" or an origin like "https://app.example.com" (or "https://*.example.com")',
  );

export const corsSchema = z.strictObject({
  origins: z.array(origin).min(1),
  methods: z.array(z.string().toUpperCase()).default(["GET", "HEAD", "POST"]),
  headers: z.array(headerName).default([]),
  exposeHeaders: z.array(headerName).default([]),
  credentials: z.boolean().default(false),
  maxAgeSeconds: nonNegativeInt.max(86_400).default(600),
});

const cidr = z
  .string()
  .refine((t) => parseCidr(t) !== undefined, "must be an IPv4 or IPv6 address or CIDR range");
const country = z
  .string()
  .regex(/^[A-Za-z]{2}$/, "country codes are ISO 3166-1 alpha-2")
  .transform((c) => c.toUpperCase());

export const accessSchema = z.strictObject({
  ipAllow: z.array(cidr).default([]),
  ipDeny: z.array(cidr).default([]),
  countryAllow: z.array(country).default([]),
  countryDeny: z.array(country).default([]),
});
