// Parses GATEWAY once per isolate. The binding is the same object (or string) for every request
// of an isolate, so the parsed value is cached by identity; tests that pass another config get
// their own entry. The first parse of an invalid config logs its problems: requests answer
// 500 invalid_config, and the terminal of `wrangler dev` (or Workers Logs) says why, once. A
// switch meant for local testing only is warned about once per isolate while it is on.
import { type ConfigResult, type Gateway, parseGateway } from "./normalize";

const byObject = new WeakMap<object, ConfigResult>();
const byString = new Map<string, ConfigResult>();
let warnedAboutSwitches = false;

export function loadGateway(raw: unknown): ConfigResult {
  if (typeof raw === "object" && raw !== null) {
    let result = byObject.get(raw);
    if (!result) {
      result = parseAndReport(raw);
      byObject.set(raw, result);
    }
    return result;
  }
  const key = typeof raw === "string" ? raw : "";
  let result = byString.get(key);
  if (!result) {
    result = parseAndReport(raw);
    if (byString.size > 16) byString.clear();
    byString.set(key, result);
  }
  return result;
}

function parseAndReport(raw: unknown): ConfigResult {
  const result = parseGateway(raw);
  if (!result.ok) {
    console.error(
      [
        "aya: the GATEWAY configuration is invalid, so every request answers 500 invalid_config until it is fixed:",
        ...result.errors.map((problem) => `  - ${problem}`),
      ].join("\n"),
    );
  } else if (!warnedAboutSwitches) warnedAboutSwitches = warnAboutSwitches(result.config);
  return result;
}

/** Logs the local-testing switches that are on; true when there was something to say. */
function warnAboutSwitches(config: Gateway): boolean {
  const lines: string[] = [];
  if (config.trustGeoHeaders)
    lines.push(
      "aya: dev.trustGeoHeaders is on: any client can choose its location with x-aya-geo-* headers (local testing only, never in production)",
    );
  if (config.debugHeaders)
    lines.push(
      "aya: debugHeaders is on: answers name the route, pool and backend that served them in x-aya-* headers (turn it off in production)",
    );
  if (lines.length > 0) console.warn(lines.join("\n"));
  return lines.length > 0;
}
