// Turns the raw GATEWAY binding (a TOML table or the same as a JSON string) into one complete,
// typed Gateway value, or into the list of every problem with its field path. Runs once per
// isolate per distinct config (see load.ts); nothing downstream re-validates or re-defaults.
import type { z } from "zod";
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
  /** Every backend of every pool and provider, by id (ids are unique across the config). */
  backends: ReadonlyMap<string, Backend>;
}

export type ConfigResult = { ok: true; config: Gateway } | { ok: false; errors: string[] };

/** `pools.eu.backends[1].url` from zod's path array. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out || "GATEWAY";
}

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
  const parsed = gatewaySchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`),
    };
  }
  return normalize(parsed.data);
}

const targetFields = ["pool", "pools", "geo", "split", "ai", "redirect", "respond"] as const;

function normalize(input: ParsedGateway): ConfigResult {
  const errors: string[] = [];
  const backends = new Map<string, Backend>();
  const pools = new Map<string, Pool>();

  const claimId = (id: string, where: string) => {
    if (backends.has(id)) errors.push(`${where}: duplicate id "${id}"; ids must be unique across the config`);
  };

  for (const [name, p] of Object.entries(input.pools)) {
    const poolBackends = p.backends.map((b, i): Backend => {
      claimId(b.id, `pools.${name}.backends[${i}].id`);
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
      affinity,
      panic: p.panic,
      degraded: p.degraded,
    });
  }

  for (const [name, p] of pools) {
    p.fallback.forEach((f, i) => {
      if (!pools.has(f)) errors.push(`pools.${name}.fallback[${i}]: unknown pool "${f}"`);
      if (f === name) errors.push(`pools.${name}.fallback[${i}]: a pool cannot fall back to itself`);
    });
  }

  const providers = new Map<string, ProviderConfig>();
  for (const [name, p] of Object.entries(input.providers)) {
    const where = `providers.${name}`;
    if ((p.type === "openai-compatible" || p.type === "azure-openai") && !p.baseUrl) {
      errors.push(`${where}.baseUrl: required for type "${p.type}"`);
    }
    if (p.type === "azure-openai" && !p.apiVersion)
      errors.push(`${where}.apiVersion: required for type "azure-openai"`);
    if (p.type !== "workers-ai" && p.type !== "openai-compatible" && !p.apiKeySecret) {
      errors.push(
        `${where}.apiKeySecret: required for type "${p.type}" (the name of a secret, never the key)`,
      );
    }
    claimId(name, where);
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

  const models = new Map<string, ModelConfig>();
  for (const [alias, m] of Object.entries(input.models)) {
    m.targets.forEach((t, i) => {
      if (!providers.has(t.provider))
        errors.push(`models.${alias}.targets[${i}].provider: unknown provider "${t.provider}"`);
    });
    models.set(alias, m);
  }

  const routes = input.routes.map((r, index) => normalizeRoute(r, index, pools, errors));
  const hasAi = routes.some((r) => r.target.kind === "ai");
  if (hasAi && providers.size === 0) errors.push("providers: an ai = true route needs at least one provider");

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    config: {
      debugHeaders: input.debugHeaders,
      trustGeoHeaders: input.dev.trustGeoHeaders,
      limits: input.limits,
      pools,
      routes,
      providers,
      models,
      aiCache: input.aiCache,
      backends,
    },
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

function normalizeRoute(
  r: ParsedRoute,
  index: number,
  pools: ReadonlyMap<string, Pool>,
  errors: string[],
): Route {
  const where = `routes[${index}]`;
  const checkPool = (name: string, field: string) => {
    if (!pools.has(name)) errors.push(`${where}.${field}: unknown pool "${name}"`);
  };
  const given = targetFields.filter((f) => r[f] !== undefined);
  if (given.length !== 1) {
    errors.push(
      `${where}: needs exactly one target of ${targetFields.join(", ")}${given.length ? ` (has ${given.join(", ")})` : ""}`,
    );
  }

  let target: RouteTarget = { kind: "respond", answer: { status: 404, body: "", contentType: "text/plain" } };
  if (r.pool !== undefined) {
    checkPool(r.pool, "pool");
    target = { kind: "pools", pools: [r.pool] };
  } else if (r.pools) {
    r.pools.forEach((p, i) => {
      checkPool(p, `pools[${i}]`);
    });
    target = { kind: "pools", pools: r.pools };
  } else if (r.geo) {
    const g = r.geo;
    for (const [k, p] of Object.entries(g.countries)) checkPool(p, `geo.countries.${k}`);
    for (const [k, p] of Object.entries(g.continents)) checkPool(p, `geo.continents.${k}`);
    for (const [k, p] of Object.entries(g.colos)) checkPool(p, `geo.colos.${k}`);
    if (g.default !== undefined) checkPool(g.default, "geo.default");
    if (g.proximity && ![...pools.values()].some((p) => p.location)) {
      errors.push(`${where}.geo.proximity: no pool has a location to measure distance to`);
    }
    if (g.default === undefined && !g.proximity) {
      errors.push(
        `${where}.geo.default: required unless proximity = true (a client from nowhere needs a pool)`,
      );
    }
    target = { kind: "geo", geo: g };
  } else if (r.split) {
    r.split.forEach((s, i) => {
      checkPool(s.pool, `split[${i}].pool`);
    });
    target = { kind: "split", split: r.split };
  } else if (r.ai) {
    if (!r.path.endsWith("/*"))
      errors.push(`${where}.path: an ai route's path must end in /* (the API lives under it)`);
    target = { kind: "ai" };
  } else if (r.redirect) {
    target = { kind: "redirect", to: r.redirect.to, status: r.redirect.status ?? 302 };
  } else if (r.respond) {
    target = { kind: "respond", answer: r.respond };
  }

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
  };
}

export type { GatewayInput };
