// Parses GATEWAY once per isolate. The binding is the same object (or string) for every request
// of an isolate, so the parsed value is cached by identity; tests that pass another config get
// their own entry. The first parse of an invalid config logs its problems: requests answer
// 500 invalid_config, and the terminal of `wrangler dev` (or Workers Logs) says why, once.
import { type ConfigResult, parseGateway } from "./normalize";

const byObject = new WeakMap<object, ConfigResult>();
const byString = new Map<string, ConfigResult>();

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
  }
  return result;
}
