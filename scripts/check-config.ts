// `npm run check-config [-- --env NAME] [--config PATH]`: validates the GATEWAY variable of
// wrangler.toml offline with the same parser the Worker uses, printing every problem with its
// field path (exit 1), then warns about what is valid but would bite on deploy or in production
// (exit 0): secrets the config names that are not set locally, local-testing switches outside the
// demo environment, a short ADMIN_TOKEN, the placeholder KV id.
import { parseGateway } from "../src/config/normalize.ts";
import { configWarnings, localSecrets } from "./lib/config-warnings.ts";
import { readWranglerConfig } from "./lib/wrangler-config.ts";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  const inline = process.argv.find((a) => a.startsWith(`--${name}=`));
  return inline?.slice(name.length + 3);
}

const env = arg("env");
const configPath = arg("config") ?? "wrangler.toml";
const read = readWranglerConfig(configPath, env);
if (!read.ok) {
  console.error(read.problem);
  process.exit(1);
}
const result = parseGateway(read.gateway);
if (!result.ok) {
  console.error(`GATEWAY in ${read.where} is invalid:`);
  for (const problem of result.errors) console.error(`  - ${problem}`);
  process.exit(1);
}
const c = result.config;
console.log(
  `GATEWAY in ${read.where} is valid: ${c.pools.size} pools, ${c.backends.size} backends and providers, ${c.routes.length} routes, ${c.models.size} models.`,
);
const warnings = configWarnings({
  env,
  gateway: read.gateway,
  kvNamespaces: read.config.kv_namespaces.map((kv) => ({ binding: kv.binding, id: kv.id })),
  secrets: localSecrets(configPath, env, process.env),
});
for (const warning of warnings) console.error(`warning: ${warning}`);
