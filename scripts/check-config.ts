// `npm run check-config [-- --env NAME] [--config PATH]`: validates the GATEWAY variable of
// wrangler.toml offline with the same parser the Worker uses, printing every problem with its
// field path. Reads the file through wrangler itself, so environments resolve exactly as on deploy.
import { unstable_readConfig } from "wrangler";
import { parseGateway } from "../src/config/normalize.ts";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  const inline = process.argv.find((a) => a.startsWith(`--${name}=`));
  return inline?.slice(name.length + 3);
}

const env = arg("env");
const configPath = arg("config") ?? "wrangler.toml";
const config = unstable_readConfig({ config: configPath, env }, { hideWarnings: true });
const raw = (config.vars as Record<string, unknown>).GATEWAY;
const result = parseGateway(raw);
const where = `${configPath}${env ? ` [env.${env}]` : ""}`;
if (!result.ok) {
  console.error(`GATEWAY in ${where} is invalid:`);
  for (const problem of result.errors) console.error(`  - ${problem}`);
  process.exit(1);
}
const c = result.config;
console.log(
  `GATEWAY in ${where} is valid: ${c.pools.size} pools, ${c.backends.size} backends and providers, ${c.routes.length} routes, ${c.models.size} models.`,
);
