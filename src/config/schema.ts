// The GATEWAY configuration as zod schemas: CONTRACT §2 transcribed field by field, with every
// default filled in here so that code downstream never re-applies one. Cross-references (pool
// names, unique ids) are checked in normalize.ts, where the whole config is visible.
import { z } from "zod";
import { accessSchema, authSchema, consumerSchema, corsSchema, routeAuthSchema } from "./consumer-schema";
import { planSchema, rateLimitSchema } from "./plan-schema";
import { httpUrl, nonNegativeInt, positiveInt, secretName, status } from "./primitives";

const headerMap = z.record(z.string(), z.string());

export const locationSchema = z.strictObject({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
});

export const backendSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, "ids are 1-64 characters of A-Z a-z 0-9 . _ : -"),
  url: httpUrl,
  weight: z.number().positive().default(1),
  maxConnections: positiveInt.optional(),
});

const healthCheckFields = z.strictObject({
  enabled: z.boolean().default(true),
  type: z.enum(["http", "tcp"]).default("http"),
  path: z.string().startsWith("/").default("/"),
  method: z.enum(["GET", "HEAD", "POST", "OPTIONS"]).default("GET"),
  headers: headerMap.default({}),
  /** Empty means "any 2xx". */
  expectedStatus: z.array(status).default([]),
  expectedBody: z.string().optional(),
  timeoutMs: positiveInt.max(60_000).default(5000),
  intervalSeconds: z.number().int().min(10, "must be at least 10").default(60),
  healthyThreshold: positiveInt.default(2),
  unhealthyThreshold: positiveInt.default(3),
});

const healthCheckDefaults = {
  enabled: true,
  type: "http",
  path: "/",
  method: "GET",
  headers: {},
  expectedStatus: [],
  timeoutMs: 5000,
  intervalSeconds: 60,
  healthyThreshold: 2,
  unhealthyThreshold: 3,
} as const;

export const healthCheckSchema = healthCheckFields.default({
  ...healthCheckDefaults,
  headers: {},
  expectedStatus: [],
});
/** Providers are probed only when configured: a default probe would spend API quota and may 404. */
export const providerHealthCheckSchema = healthCheckFields.default({
  ...healthCheckDefaults,
  enabled: false,
  headers: {},
  expectedStatus: [],
});

export const circuitBreakerSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    consecutiveFailures: positiveInt.default(5),
    failureRate: z.number().gt(0).max(1).default(0.5),
    windowSeconds: positiveInt.default(30),
    minRequests: positiveInt.default(20),
    openSeconds: positiveInt.default(30),
    maxOpenSeconds: positiveInt.default(300),
    halfOpenRequests: positiveInt.default(1),
    /**
     * Answers that count as the backend failing. Connection errors and timeouts always count; an
     * application's own 500 or 404, and errors raised before anything was sent, never do.
     */
    failureStatuses: z.array(status).default([502, 503, 504]),
  })
  .default({
    enabled: true,
    consecutiveFailures: 5,
    failureRate: 0.5,
    windowSeconds: 30,
    minRequests: 20,
    openSeconds: 30,
    maxOpenSeconds: 300,
    halfOpenRequests: 1,
    failureStatuses: [502, 503, 504],
  });

export const retrySchema = z
  .strictObject({
    retries: nonNegativeInt.max(10).default(1),
    onStatus: z.array(status).default([502, 503, 504]),
    retryNonIdempotent: z.boolean().default(false),
    budgetPercent: z.number().min(0).max(100).default(20),
  })
  .default({ retries: 1, onStatus: [502, 503, 504], retryNonIdempotent: false, budgetPercent: 20 });

export const affinitySchema = z.strictObject({
  type: z.enum(["cookie", "header", "ip"]),
  name: z
    .string()
    .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "must be a valid cookie or header name")
    .optional(),
  ttlSeconds: positiveInt.default(3600),
});

export const staticAnswerSchema = z.strictObject({
  status: status.default(200),
  body: z.string().default(""),
  contentType: z.string().default("text/plain; charset=utf-8"),
});

export const strategyNames = [
  "round-robin",
  "weighted-round-robin",
  "least-connections",
  "weighted-least-connections",
  "ip-hash",
  "consistent-hash",
  "least-response-time",
  "random",
] as const;

export const hashKeySchema = z
  .string()
  .regex(
    /^(ip|path|header:[A-Za-z0-9-]+|cookie:[A-Za-z0-9_.-]+)$/,
    "must be ip, path, header:NAME or cookie:NAME",
  );

export const poolSchema = z.strictObject({
  backends: z.array(backendSchema).min(1, "a pool needs at least one backend"),
  strategy: z.enum(strategyNames).default("least-response-time"),
  hashKey: hashKeySchema.default("ip"),
  location: locationSchema.optional(),
  fallback: z.array(z.string()).default([]),
  healthCheck: healthCheckSchema,
  circuitBreaker: circuitBreakerSchema,
  retry: retrySchema,
  timeoutMs: positiveInt.max(600_000).default(30_000),
  /**
   * A backend added or re-enabled at run time (src/overlay) ramps its weight up over this long,
   * so a cold origin is not flooded; 0 turns it off.
   */
  slowStartSeconds: nonNegativeInt.max(3600).default(30),
  affinity: affinitySchema.optional(),
  panic: z.enum(["serve", "fail"]).default("serve"),
  degraded: staticAnswerSchema.optional(),
});

const headerTransformSchema = z
  .strictObject({
    set: headerMap.default({}),
    remove: z.array(z.string()).default([]),
  })
  .default({ set: {}, remove: [] });

export const geoSchema = z.strictObject({
  countries: z
    .record(z.string().regex(/^[A-Z]{2}$/, "country codes are ISO 3166-1 alpha-2"), z.string())
    .default({}),
  continents: z.partialRecord(z.enum(["AF", "AN", "AS", "EU", "NA", "OC", "SA"]), z.string()).default({}),
  colos: z.record(z.string().regex(/^[A-Z]{3}$/, "colos are IATA codes"), z.string()).default({}),
  proximity: z.boolean().default(false),
  default: z.string().optional(),
});

export const cacheSchema = z.strictObject({
  ttlSeconds: nonNegativeInt,
  staleWhileRevalidateSeconds: nonNegativeInt.default(0),
  staleIfErrorSeconds: nonNegativeInt.default(0),
  methods: z.array(z.enum(["GET", "HEAD"])).default(["GET", "HEAD"]),
  varyHeaders: z.array(z.string()).default([]),
  maxBodyBytes: positiveInt.max(25 * 1024 * 1024).default(1024 * 1024),
  /** Let a client's Cache-Control / Pragma no-cache (and no-store) skip the lookup. */
  honorClientNoCache: z.boolean().default(false),
});

export const routeSchema = z.strictObject({
  path: z.string().startsWith("/"),
  methods: z.array(z.string().toUpperCase()).optional(),
  host: z.string().optional(),
  pool: z.string().optional(),
  pools: z.array(z.string()).min(1).optional(),
  geo: geoSchema.optional(),
  split: z
    .array(z.strictObject({ pool: z.string(), weight: z.number().positive() }))
    .min(1)
    .optional(),
  ai: z.literal(true).optional(),
  redirect: z
    .strictObject({
      to: z.string().min(1),
      status: z.union([301, 302, 303, 307, 308].map((s) => z.literal(s))),
    })
    .partial({ status: true })
    .optional(),
  respond: staticAnswerSchema.optional(),
  rewrite: z
    .strictObject({
      stripPrefix: z.string().startsWith("/").optional(),
      addPrefix: z.string().startsWith("/").optional(),
      hostHeader: z.string().optional(),
    })
    .optional(),
  headers: z
    .strictObject({ request: headerTransformSchema, response: headerTransformSchema })
    .partial()
    .optional(),
  cache: cacheSchema.optional(),
  auth: routeAuthSchema.optional(),
  cors: corsSchema.optional(),
  access: accessSchema.optional(),
  rateLimit: rateLimitSchema.optional(),
});

export const providerTypes = [
  "openai",
  "azure-openai",
  "anthropic",
  "gemini",
  "workers-ai",
  "openai-compatible",
] as const;

export const providerSchema = z.strictObject({
  type: z.enum(providerTypes),
  // The admin token would be sent to the provider (and could come back in its error text).
  apiKeySecret: secretName("the admin token is never sent to a provider").optional(),
  baseUrl: httpUrl.optional(),
  apiVersion: z.string().optional(),
  healthCheck: providerHealthCheckSchema,
  circuitBreaker: circuitBreakerSchema,
  timeoutMs: positiveInt.max(600_000).default(60_000),
  /** A stream that sends nothing for this long ends with the error event `stream_timeout`. */
  streamIdleTimeoutMs: positiveInt.max(600_000).default(60_000),
  headers: headerMap.default({}),
  location: locationSchema.optional(),
});

export const modelTargetSchema = z.strictObject({
  provider: z.string(),
  model: z.string().min(1),
  weight: z.number().positive().default(1),
  inputCostPer1M: z.number().min(0).optional(),
  outputCostPer1M: z.number().min(0).optional(),
  /** Input tokens the provider served from its prompt cache, when it prices them apart. */
  cachedInputCostPer1M: z.number().min(0).optional(),
});

export const modelSchema = z.strictObject({
  strategy: z.enum(["fallback", "weighted", "least-latency", "least-cost"]).default("fallback"),
  targets: z.array(modelTargetSchema).min(1),
});

/** What an alert webhook can be told about (src/observability/alerts/events.ts). */
export const alertEvents = [
  "backend_unhealthy",
  "backend_healthy",
  "circuit_open",
  "budget_threshold",
] as const;

export const alertsSchema = z.strictObject({
  webhookUrl: httpUrl,
  secretName: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be the name of a secret binding")
    // A key that signs what leaves aya is its own: the admin token is never used for it.
    .refine((name) => name !== "ADMIN_TOKEN", "must not be ADMIN_TOKEN: give the webhook a secret of its own")
    .optional(),
  events: z
    .array(z.enum(alertEvents))
    .min(1)
    .default([...alertEvents]),
});

export const gatewaySchema = z.strictObject({
  debugHeaders: z.boolean().default(false),
  dev: z.strictObject({ trustGeoHeaders: z.boolean().default(false) }).default({ trustGeoHeaders: false }),
  limits: z
    .strictObject({
      maxBodyBytes: positiveInt.default(100 * 1024 * 1024),
      /** AI request bodies are read whole to be translated: a far lower cap than proxied bodies. */
      maxAiBodyBytes: positiveInt.default(8 * 1024 * 1024),
      /** Request headers over this size in total answer 431 headers_too_large. */
      maxHeaderBytes: positiveInt.default(64 * 1024),
      /** Request bodies up to this size are kept in memory so that a retry can resend them. */
      retryBodyBytes: nonNegativeInt.default(1024 * 1024),
    })
    .default({
      maxBodyBytes: 100 * 1024 * 1024,
      maxAiBodyBytes: 8 * 1024 * 1024,
      maxHeaderBytes: 64 * 1024,
      retryBodyBytes: 1024 * 1024,
    }),
  pools: z
    .record(z.string().regex(/^[A-Za-z0-9_-]+$/, "pool names are A-Z a-z 0-9 _ -"), poolSchema)
    .default({}),
  routes: z.array(routeSchema).default([]),
  providers: z
    .record(z.string().regex(/^[A-Za-z0-9_-]+$/, "provider names are A-Z a-z 0-9 _ -"), providerSchema)
    .default({}),
  models: z.record(z.string().min(1), modelSchema).default({}),
  plans: z
    .record(z.string().regex(/^[A-Za-z0-9_-]+$/, "plan names are A-Z a-z 0-9 _ -"), planSchema)
    .default({}),
  auth: authSchema,
  consumers: z.array(consumerSchema).default([]),
  /** The AI answer cache (src/cache/ai.ts): no answer is kept longer than maxClientTtlSeconds. */
  aiCache: z
    .strictObject({ maxClientTtlSeconds: positiveInt.default(86_400) })
    .default({ maxClientTtlSeconds: 86_400 }),
  /** The request log line (src/observability): what it may carry beyond the contract's fields. */
  observability: z.strictObject({ logQuery: z.boolean().default(false) }).default({ logQuery: false }),
  /** Webhook alerts (src/observability/alerts), sent once per event for the whole edge. */
  alerts: alertsSchema.optional(),
});

export type GatewayInput = z.input<typeof gatewaySchema>;
export type ParsedGateway = z.output<typeof gatewaySchema>;
