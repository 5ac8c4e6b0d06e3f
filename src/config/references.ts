// The checks that need the whole config rather than one field: names that refer to pools and
// providers, ids unique across the config, one target per route, what a provider type requires.
// They read the raw input, beside the schema rather than after it, so a config is reported in
// one round: an unknown pool shows up together with the typos, not once they are fixed. Values
// of the wrong type are skipped here; the schema reports those.
import { describePath } from "./problems";
import { providerTypes } from "./schema";
import { didYouMean } from "./suggest";

type Raw = Record<string, unknown>;

function isRecord(value: unknown): value is Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const recordAt = (value: unknown): Raw => (isRecord(value) ? value : {});
const arrayAt = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const stringAt = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

export const routeTargets = ["pool", "pools", "geo", "split", "ai", "redirect", "respond"] as const;

export function referenceProblems(raw: unknown): string[] {
  if (!isRecord(raw)) return [];
  const problems: string[] = [];
  const at = (...path: PropertyKey[]) => describePath(path, raw);
  const pools = recordAt(raw.pools);
  const poolNames = Object.keys(pools);
  const providers = recordAt(raw.providers);
  const providerNames = Object.keys(providers);

  const unknownName = (kind: "pool" | "provider", name: unknown, known: string[], path: PropertyKey[]) => {
    if (typeof name !== "string" || known.includes(name)) return;
    const hint =
      didYouMean(name, known) ||
      (known.length ? ` (${kind}s: ${known.join(", ")})` : ` (no ${kind}s are defined)`);
    problems.push(`${at(...path)}: unknown ${kind} ${JSON.stringify(name)}${hint}`);
  };
  const checkPool = (name: unknown, ...path: PropertyKey[]) => unknownName("pool", name, poolNames, path);

  // Backend ids and provider names share one namespace: each is one BackendState object.
  const ids = new Set<string>();
  const claimId = (id: unknown, ...path: PropertyKey[]) => {
    if (typeof id !== "string") return;
    if (ids.has(id))
      problems.push(`${at(...path)}: duplicate id "${id}"; ids must be unique across the config`);
    ids.add(id);
  };

  for (const [name, pool] of Object.entries(pools)) {
    const p = recordAt(pool);
    arrayAt(p.backends).forEach((b, i) => {
      claimId(recordAt(b).id, "pools", name, "backends", i, "id");
    });
    arrayAt(p.fallback).forEach((f, i) => {
      checkPool(f, "pools", name, "fallback", i);
      if (f === name) problems.push(`${at("pools", name, "fallback", i)}: a pool cannot fall back to itself`);
    });
  }

  for (const [name, provider] of Object.entries(providers)) {
    const p = recordAt(provider);
    const type = stringAt(p.type);
    claimId(name, "providers", name);
    if (!type || !(providerTypes as readonly string[]).includes(type)) continue;
    if ((type === "openai-compatible" || type === "azure-openai") && p.baseUrl === undefined)
      problems.push(`${at("providers", name, "baseUrl")}: required for type "${type}"`);
    if (type === "azure-openai" && p.apiVersion === undefined)
      problems.push(`${at("providers", name, "apiVersion")}: required for type "azure-openai"`);
    if (type !== "workers-ai" && type !== "openai-compatible" && p.apiKeySecret === undefined)
      problems.push(
        `${at("providers", name, "apiKeySecret")}: required for type "${type}" (the name of a secret, never the key)`,
      );
  }

  for (const [alias, model] of Object.entries(recordAt(raw.models))) {
    arrayAt(recordAt(model).targets).forEach((t, i) => {
      unknownName("provider", recordAt(t).provider, providerNames, [
        "models",
        alias,
        "targets",
        i,
        "provider",
      ]);
    });
  }

  const auth = recordAt(raw.auth);
  const issuers = recordAt(auth.jwt);
  const issuerNames = Object.keys(issuers);
  for (const [name, issuer] of Object.entries(issuers)) {
    const i = recordAt(issuer);
    if ((i.jwksUrl === undefined) === (i.publicKeySecret === undefined))
      problems.push(
        `${at("auth", "jwt", name)}: needs exactly one of jwksUrl (a JWKS endpoint) or publicKeySecret (a PEM or JWK public key in a secret)`,
      );
  }
  const planNames = Object.keys(recordAt(raw.plans));
  const aliases = Object.keys(recordAt(raw.models));
  for (const [name, plan] of Object.entries(recordAt(raw.plans)))
    arrayAt(recordAt(plan).models).forEach((m, i) => {
      if (typeof m !== "string" || aliases.includes(m)) return;
      const slash = m.indexOf("/");
      if (slash > 0) {
        unknownName("provider", m.slice(0, slash), providerNames, ["plans", name, "models", i]);
        return;
      }
      const hint =
        didYouMean(m, aliases) ||
        (aliases.length ? ` (models: ${aliases.join(", ")})` : " (no models are defined)");
      problems.push(
        `${at("plans", name, "models", i)}: unknown model ${JSON.stringify(m)}${hint}; a model alias, provider/model or provider/*`,
      );
    });
  const consumerIds = new Set<string>();
  arrayAt(raw.consumers).forEach((c, i) => {
    const plan = recordAt(c).plan;
    if (typeof plan === "string" && !planNames.includes(plan)) {
      const hint =
        didYouMean(plan, planNames) ||
        (planNames.length ? ` (plans: ${planNames.join(", ")})` : " (no plans are defined)");
      problems.push(`${at("consumers", i, "plan")}: unknown plan ${JSON.stringify(plan)}${hint}`);
    }
    const id = recordAt(c).id;
    if (typeof id !== "string") return;
    if (consumerIds.has(id)) problems.push(`${at("consumers", i, "id")}: duplicate consumer id "${id}"`);
    consumerIds.add(id);
  });

  const routes = arrayAt(raw.routes);
  routes.forEach((route, index) => {
    if (!isRecord(route)) return;
    routeProblems(route, index);
  });
  if (routes.some((r) => isRecord(r) && r.ai === true) && providerNames.length === 0)
    problems.push("providers: an ai = true route needs at least one provider");
  return problems;

  function routeProblems(r: Raw, index: number) {
    const here = (...path: PropertyKey[]) => ["routes", index, ...path];
    const given = routeTargets.filter((f) => r[f] !== undefined);
    if (given.length !== 1) {
      problems.push(
        `${at(...here())}: needs exactly one target of ${routeTargets.join(", ")}${given.length ? ` (has ${given.join(", ")})` : ""}`,
      );
    }
    checkPool(r.pool, ...here("pool"));
    arrayAt(r.pools).forEach((p, i) => {
      checkPool(p, ...here("pools", i));
    });
    arrayAt(r.split).forEach((s, i) => {
      checkPool(recordAt(s).pool, ...here("split", i, "pool"));
    });
    if (isRecord(r.geo)) {
      const g = r.geo;
      for (const table of ["countries", "continents", "colos"] as const) {
        for (const [key, pool] of Object.entries(recordAt(g[table])))
          checkPool(pool, ...here("geo", table, key));
      }
      checkPool(g.default, ...here("geo", "default"));
      if (g.proximity === true && !Object.values(pools).some((p) => isRecord(recordAt(p).location)))
        problems.push(`${at(...here("geo", "proximity"))}: no pool has a location to measure distance to`);
      if (g.default === undefined && g.proximity !== true)
        problems.push(
          `${at(...here("geo", "default"))}: required unless proximity = true (a client from nowhere needs a pool)`,
        );
    }
    arrayAt(recordAt(r.auth).methods).forEach((m, i) => {
      if (typeof m !== "string" || !m.startsWith("jwt:")) return;
      const name = m.slice(4);
      if (issuerNames.includes(name)) return;
      const hint =
        didYouMean(name, issuerNames) ||
        (issuerNames.length
          ? ` (issuers: ${issuerNames.join(", ")})`
          : " (no issuer is defined under auth.jwt)");
      problems.push(
        `${at(...here("auth", "methods", i))}: unknown JWT issuer ${JSON.stringify(name)}${hint}`,
      );
    });
    const cors = recordAt(r.cors);
    if (cors.credentials === true && arrayAt(cors.origins).includes("*"))
      problems.push(
        `${at(...here("cors", "origins"))}: "*" cannot be used with credentials = true; list the origins (browsers refuse credentials for "*")`,
      );
    if (r.ai === true && typeof r.path === "string" && !r.path.endsWith("/*"))
      problems.push(`${at(...here("path"))}: an ai route's path must end in /* (the API lives under it)`);
  }
}
