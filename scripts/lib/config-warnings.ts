// What `npm run check-config` warns about in a config that is valid: things that would bite on
// deploy or in production but are not errors (the Worker runs). Secrets are looked for where
// `wrangler dev` looks (see localSecrets) and in the environment; a secret's value is never printed.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseEnv } from "node:util";

/** The environment that exists to be run locally, where local-testing switches belong. */
const DEMO_ENV = "demo";
const MIN_ADMIN_TOKEN = 32;

export interface LocalSecrets {
  /** Where they were read from, for the message: ".dev.vars", ".env" … */
  from: string;
  values: Map<string, string>;
}

export interface WarningInput {
  env: string | undefined;
  /** The GATEWAY value as written (it passed validation). */
  gateway: unknown;
  kvNamespaces: { binding: string; id?: string }[];
  secrets: LocalSecrets;
}

type Raw = Record<string, unknown>;
const isRecord = (value: unknown): value is Raw =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Every secret the config names, with the field that names it. */
function namedSecrets(gateway: unknown): { name: string; field: string }[] {
  const out = [{ name: "ADMIN_TOKEN", field: "the admin endpoints' bearer token" }];
  if (!isRecord(gateway)) return out;
  for (const [name, provider] of Object.entries(isRecord(gateway.providers) ? gateway.providers : {})) {
    if (isRecord(provider) && typeof provider.apiKeySecret === "string")
      out.push({ name: provider.apiKeySecret, field: `providers.${name}.apiKeySecret` });
  }
  const alerts = gateway.alerts;
  if (isRecord(alerts) && typeof alerts.secretName === "string")
    out.push({ name: alerts.secretName, field: "alerts.secretName, which signs webhook alerts" });
  // Consumers' API keys (a list of [[consumers]], or a table by name).
  const consumers = gateway.consumers;
  const list: [string, unknown][] = Array.isArray(consumers)
    ? consumers.map((c, i) => [`consumers[${i}]`, c])
    : Object.entries(isRecord(consumers) ? consumers : {}).map(([name, c]) => [`consumers.${name}`, c]);
  for (const [where, consumer] of list) {
    if (isRecord(consumer) && typeof consumer.keySecret === "string")
      out.push({ name: consumer.keySecret, field: `${where}.keySecret` });
  }
  // JWT issuers whose public key is held in a secret.
  const issuers = isRecord(gateway.auth) && isRecord(gateway.auth.jwt) ? gateway.auth.jwt : {};
  for (const [name, issuer] of Object.entries(issuers)) {
    if (isRecord(issuer) && typeof issuer.publicKeySecret === "string")
      out.push({ name: issuer.publicKeySecret, field: `auth.jwt.${name}.publicKeySecret` });
  }
  return out;
}

export function configWarnings(input: WarningInput): string[] {
  const warnings: string[] = [];
  const where = input.env ? `[env.${input.env}]` : "the top level";
  const seen = new Set<string>();
  for (const { name, field } of namedSecrets(input.gateway)) {
    if (seen.has(name)) continue;
    seen.add(name);
    if (input.secrets.values.has(name)) continue;
    const fix =
      input.env === DEMO_ENV
        ? "npm start copies .dev.vars.example to .dev.vars when there is none"
        : `put it there, and set it for production with npx wrangler secret put ${name}`;
    warnings.push(
      `${name} (${field}) is not in ${input.secrets.from} or the environment: wrangler dev will run without it; ${fix}`,
    );
  }
  if (input.env === DEMO_ENV) return warnings;

  const token = input.secrets.values.get("ADMIN_TOKEN");
  if (token !== undefined && token.length < MIN_ADMIN_TOKEN)
    warnings.push(
      `ADMIN_TOKEN in ${input.secrets.from} is shorter than ${MIN_ADMIN_TOKEN} characters: anyone who guesses it reads status, purges the cache and changes backends and models at run time; use a random one (openssl rand -hex 32)`,
    );
  const gateway = isRecord(input.gateway) ? input.gateway : {};
  if (isRecord(gateway.dev) && gateway.dev.trustGeoHeaders === true)
    warnings.push(
      `dev.trustGeoHeaders is on outside [env.${DEMO_ENV}] (in ${where}): any client could choose its location with x-aya-geo-* headers; keep it for local testing`,
    );
  if (gateway.debugHeaders === true)
    warnings.push(
      `debugHeaders is on outside [env.${DEMO_ENV}] (in ${where}): every answer names the route, pool and backend that served it`,
    );
  for (const kv of input.kvNamespaces) {
    if (kv.id !== undefined && /^0+$/.test(kv.id))
      warnings.push(
        `kv_namespaces ${kv.binding}: the id is the all-zeros placeholder; create the namespace with npx wrangler kv namespace create ${kv.binding} and put its id in wrangler.toml before deploying`,
      );
  }
  return warnings;
}

/**
 * The secrets `wrangler dev` would give the Worker, for a config file and environment: from
 * .dev.vars.<env> or .dev.vars next to the config, else from the .env files, and from the
 * process environment (where check-config also looks: CI sets secrets there).
 */
export function localSecrets(
  configPath: string,
  env: string | undefined,
  processEnv: NodeJS.ProcessEnv,
): LocalSecrets {
  const dir = dirname(configPath);
  const devVars = [env && `.dev.vars.${env}`, ".dev.vars"].filter((f): f is string => Boolean(f));
  const found = devVars.find((file) => existsSync(join(dir, file)));
  const files = found
    ? [found]
    : [".env", ".env.local", ...(env ? [`.env.${env}`, `.env.${env}.local`] : [])].filter((f) =>
        existsSync(join(dir, f)),
      );
  const values = new Map<string, string>();
  for (const file of files) {
    for (const [k, v] of Object.entries(parseEnv(readFileSync(join(dir, file), "utf8")))) {
      if (v !== undefined) values.set(k, v);
    }
  }
  for (const [k, v] of Object.entries(processEnv)) if (v !== undefined && !values.has(k)) values.set(k, v);
  return { from: files.length ? files.join(", ") : ".dev.vars", values };
}
