// Reads wrangler.toml through wrangler itself (so environments resolve exactly as on deploy), for
// check-config and `npm start`. A file that is missing or is not TOML, or an environment it does
// not have, is one sentence for the person who typed the command, never wrangler's stack trace.
import { existsSync } from "node:fs";
import { experimental_readRawConfig, type Unstable_Config, unstable_readConfig } from "wrangler";

export type ReadConfig =
  | { ok: true; config: Unstable_Config; gateway: unknown; where: string }
  | { ok: false; problem: string };

export function readWranglerConfig(configPath: string, env: string | undefined): ReadConfig {
  const where = `${configPath}${env ? ` [env.${env}]` : ""}`;
  if (!existsSync(configPath))
    return { ok: false, problem: `${configPath} does not exist (name another file with --config PATH)` };
  let raw: { env?: Record<string, unknown> };
  try {
    raw = experimental_readRawConfig({ config: configPath }).rawConfig as typeof raw;
  } catch (error) {
    return { ok: false, problem: `${configPath} cannot be read: ${firstLine(error)}` };
  }
  if (env !== undefined && !Object.hasOwn(raw.env ?? {}, env)) {
    const envs = Object.keys(raw.env ?? {});
    const known = envs.length ? `its environments: ${envs.join(", ")}` : "it has no environments";
    return { ok: false, problem: `${configPath} has no [env.${env}] section (${known})` };
  }
  try {
    const config = unstable_readConfig({ config: configPath, env }, { hideWarnings: true });
    return { ok: true, config, gateway: (config.vars as Record<string, unknown>).GATEWAY, where };
  } catch (error) {
    return { ok: false, problem: `${where} is not a valid wrangler configuration: ${firstLine(error)}` };
  }
}

/** wrangler's errors carry a title line, then details and a stack: the title is the sentence
 * (with the line, for a TOML syntax error). */
function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const title =
    text
      .split("\n")
      .find((line) => line.trim() !== "")
      ?.trim() ?? "unknown error";
  const line = (error as { location?: { line?: unknown } }).location?.line;
  return typeof line === "number" ? `${title} (line ${line})` : title;
}
