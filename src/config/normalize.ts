// Turns the raw GATEWAY binding (a TOML table or the same as a JSON string) into one complete,
// typed Gateway value, or into the list of every problem with its field path: the schema's and
// the cross-references' (references.ts) together, in one round. Runs once per isolate per
// distinct config (see load.ts); nothing downstream re-validates or re-defaults.
import type { z } from "zod";
import { type AccessRules, accessRules } from "../consumers/access";
import type { Plan, RateLimit } from "./plan-schema";
import { schemaProblems } from "./problems";
import { referenceProblems } from "./references";
import { type GatewayInput, gatewaySchema, type ParsedGateway, type providerSchema } from "./schema";

type ParsedPool = ParsedGateway["pools"][string];
type ParsedRoute = ParsedGateway["routes"][number];

export type HealthCheck = ParsedPool["healthCheck"];
export type CircuitBreakerConfig = ParsedPool["circuitBreaker"];
export type RetryPolicy = ParsedPool["retry"];
export type StrategyName = ParsedPool["strategy"];
export type Location = NonNullable<ParsedPool["location"]>;
export type StaticAnswer = NonNullable<ParsedPool["degraded"]>;
export type CachePolicy = NonNullable<ParsedRoute["cache"]>;
export type GeoPolicy = NonNullable<ParsedRoute["geo"]>;
export type ProviderConfig = z.output<typeof providerSchema> & { name: string };
export type ModelConfig = ParsedGateway["models"][string];
export type AlertsConfig = NonNullable<ParsedGateway["alerts"]>;
export type JwtIssuer = ParsedGateway["auth"]["jwt"][string] & { name: string };
export type StaticConsumer = ParsedGateway["consumers"][number];
export type RouteAuth = NonNullable<ParsedRoute["auth"]>;
export type CorsPolicy = NonNullable<ParsedRoute["cors"]>;

export interface AuthConfig {
  /** Where a key is read: `Authorization: Bearer <key>` or the raw value of any other header. */
  keyHeaders: string[];
  jwt: ReadonlyMap<string, JwtIssuer>;
}

export interface Backend {
  id: string;
  /** Origin URL without a trailing slash; a path in it is a prefix for every request. */
  url: string;
  weight: number;
  maxConnections?: number;
  /** Pool or provider name that owns the backend. */
  owner: string;
  healthCheck: HealthCheck;
  circuitBreaker: CircuitBreakerConfig;
  /** Out of rotation by a runtime drain or disable (src/overlay): no new requests, in flight ones finish. */
  rotation?: { state: "draining" | "disabled"; since: number };
  /** Added or re-enabled at run time: its weight ramps up from `since` (balancing/slow-start.ts). */
  slowStart?: { since: number; seconds: number };
}

export interface Affinity {
  type: "cookie" | "header" | "ip";
  name: string;
  ttlSeconds: number;
}

export interface Pool {
  name: string;
  backends: Backend[];
  strategy: StrategyName;
  hashKey: string;
  location?: Location;
  fallback: string[];
  healthCheck: HealthCheck;
  circuitBreaker: CircuitBreakerConfig;
  retry: RetryPolicy;
  timeoutMs: number;
  slowStartSeconds: number;
  affinity?: Affinity;
  panic: "serve" | "fail";
  degraded?: StaticAnswer;
}

export type RouteTarget =
  | { kind: "pools"; pools: string[] }
  | { kind: "geo"; geo: GeoPolicy }
  | { kind: "split"; split: { pool: string; weight: number }[] }
  | { kind: "ai" }
  | { kind: "redirect"; to: string; status: number }
  | { kind: "respond"; answer: StaticAnswer };

export interface HeaderTransform {
  set: Record<string, string>;
  remove: string[];
}

export interface Route {
  index: number;
  path: string;
  methods?: ReadonlySet<string>;
  host?: string;
  target: RouteTarget;
  rewrite: { stripPrefix?: string; addPrefix?: string; hostHeader?: string };
  headers: { request: HeaderTransform; response: HeaderTransform };
  cache?: CachePolicy;
  /** Who may call: keys and JWT issuers (CONTRACT §7); absent means anyone. */
  auth?: RouteAuth;
  cors?: CorsPolicy;
  access?: AccessRules;
  rateLimit?: RateLimit;
}

export interface Gateway {
  debugHeaders: boolean;
  trustGeoHeaders: boolean;
  limits: ParsedGateway["limits"];
  pools: ReadonlyMap<string, Pool>;
  routes: Route[];
  providers: ReadonlyMap<string, ProviderConfig>;
  models: ReadonlyMap<string, ModelConfig>;
  aiCache: ParsedGateway["aiCache"];
  observability: ParsedGateway["observability"];
  /** Webhook alerts; undefined when none is configured. */
  alerts?: AlertsConfig;
  plans: ReadonlyMap<string, Plan>;
  auth: AuthConfig;
  consumers: StaticConsumer[];
  /** Every backend of every pool and provider, by id (ids are unique across the config). */
  backends: ReadonlyMap<string, Backend>;
}

export type ConfigResult = { ok: true; config: Gateway } | { ok: false; errors: string[] };

export function parseGateway(raw: unknown): ConfigResult {
  if (raw === undefined || raw === null || raw === "") {
    return { ok: false, errors: ["GATEWAY: missing; set it in wrangler.toml under [vars.GATEWAY]"] };
  }
  let input: unknown = raw;
  if (typeof raw === "string") {
    try {
      input = JSON.parse(raw);
    } catch (error) {
      return { ok: false, errors: [`GATEWAY: not valid JSON (${(error as Error).message})`] };
    }
  }
  const parsed = gatewaySchema.safeParse(input, { reportInput: true });
  const errors = [
    ...(parsed.success ? [] : schemaProblems(parsed.error.issues, input)),
    ...referenceProblems(input),
  ];
  if (errors.length > 0 || !parsed.success) return { ok: false, errors: [...new Set(errors)] };
  return { ok: true, config: normalize(parsed.data) };
}

/** Builds the Gateway from a config that passed the schema and the reference checks. */
function normalize(input: ParsedGateway): Gateway {
  const backends = new Map<string, Backend>();
  const pools = new Map<string, Pool>();

  for (const [name, p] of Object.entries(input.pools)) {
    const poolBackends = p.backends.map((b): Backend => {
      const backend: Backend = {
        id: b.id,
        url: b.url.replace(/\/+$/, ""),
        weight: b.weight,
        maxConnections: b.maxConnections,
        owner: name,
        healthCheck: p.healthCheck,
        circuitBreaker: p.circuitBreaker,
      };
      backends.set(b.id, backend);
      return backend;
    });
    const affinity = p.affinity && {
      type: p.affinity.type,
      name: p.affinity.name ?? (p.affinity.type === "cookie" ? "aya_affinity" : "x-aya-affinity"),
      ttlSeconds: p.affinity.ttlSeconds,
    };
    pools.set(name, {
      name,
      backends: poolBackends,
      strategy: p.strategy,
      hashKey: p.hashKey,
      location: p.location,
      fallback: p.fallback,
      healthCheck: p.healthCheck,
      circuitBreaker: p.circuitBreaker,
      retry: p.retry,
      timeoutMs: p.timeoutMs,
      slowStartSeconds: p.slowStartSeconds,
      affinity,
      panic: p.panic,
      degraded: p.degraded,
    });
  }

  const providers = new Map<string, ProviderConfig>();
  for (const [name, p] of Object.entries(input.providers)) {
    providers.set(name, { ...p, name });
    backends.set(name, {
      id: name,
      url: (p.baseUrl ?? defaultBaseUrl(p.type)).replace(/\/+$/, ""),
      weight: 1,
      owner: name,
      // Providers are probed only when the operator asks: a default probe would spend quota.
      healthCheck: p.healthCheck,
      circuitBreaker: p.circuitBreaker,
    });
  }

  const models = new Map<string, ModelConfig>(Object.entries(input.models));
  return {
    debugHeaders: input.debugHeaders,
    trustGeoHeaders: input.dev.trustGeoHeaders,
    limits: input.limits,
    pools,
    routes: input.routes.map(normalizeRoute),
    providers,
    models,
    aiCache: input.aiCache,
    observability: input.observability,
    alerts: input.alerts,
    plans: new Map(Object.entries(input.plans)),
    auth: {
      keyHeaders: input.auth.keyHeaders,
      jwt: new Map(Object.entries(input.auth.jwt).map(([name, issuer]) => [name, { ...issuer, name }])),
    },
    consumers: input.consumers,
    backends,
  };
}

function defaultBaseUrl(type: ProviderConfig["type"]): string {
  switch (type) {
    case "anthropic":
      return "https://api.anthropic.com";
    case "gemini":
      return "https://generativelanguage.googleapis.com";
    case "workers-ai":
      // Not fetched: Workers AI goes through the AI binding. Kept as an id-like URL for status output.
      return "https://workers-ai.binding";
    default:
      return "https://api.openai.com/v1";
  }
}

function normalizeRoute(r: ParsedRoute, index: number): Route {
  let target: RouteTarget = { kind: "respond", answer: { status: 404, body: "", contentType: "text/plain" } };
  if (r.pool !== undefined) target = { kind: "pools", pools: [r.pool] };
  else if (r.pools) target = { kind: "pools", pools: r.pools };
  else if (r.geo) target = { kind: "geo", geo: r.geo };
  else if (r.split) target = { kind: "split", split: r.split };
  else if (r.ai) target = { kind: "ai" };
  else if (r.redirect) target = { kind: "redirect", to: r.redirect.to, status: r.redirect.status ?? 302 };
  else if (r.respond) target = { kind: "respond", answer: r.respond };

  const emptyTransform = (): HeaderTransform => ({ set: {}, remove: [] });
  return {
    index,
    path: r.path,
    methods: r.methods ? new Set(r.methods) : undefined,
    host: r.host?.toLowerCase(),
    target,
    rewrite: r.rewrite ?? {},
    headers: {
      request: r.headers?.request ?? emptyTransform(),
      response: r.headers?.response ?? emptyTransform(),
    },
    cache: r.cache,
    auth: r.auth,
    cors: r.cors,
    access: r.access && accessRules(r.access),
    rateLimit: r.rateLimit,
  };
}

export type { GatewayInput };
