// Parses GATEWAY once per isolate. The binding is the same object (or string) for every request
// of an isolate, so the parsed value is cached by identity; tests that pass another config get
// their own entry.
import { type ConfigResult, parseGateway } from "./normalize";

const byObject = new WeakMap<object, ConfigResult>();
const byString = new Map<string, ConfigResult>();

export function loadGateway(raw: unknown): ConfigResult {
  if (typeof raw === "object" && raw !== null) {
    let result = byObject.get(raw);
    if (!result) {
      result = parseGateway(raw);
      byObject.set(raw, result);
    }
    return result;
  }
  const key = typeof raw === "string" ? raw : "";
  let result = byString.get(key);
  if (!result) {
    result = parseGateway(raw);
    if (byString.size > 16) byString.clear();
    byString.set(key, result);
  }
  return result;
}
