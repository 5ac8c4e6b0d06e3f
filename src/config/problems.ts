// Turns zod's issues into the sentences a person reads: the field path with routes named by their
// path as well as their index (`routes[6] "/api/*".pool`), "required" for a missing field, and for
// a misspelt field or value the nearest valid one, or else the list of valid ones.
import type { z } from "zod";
import { gatewaySchema } from "./schema";
import { defOf, namesAt, schemaAt, unwrap } from "./schema-paths";
import { didYouMean } from "./suggest";

type Issue = z.core.$ZodIssue;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `pools.eu.backends[1].url`, and `routes[6] "/api/*".pool` when the route has a path. */
export function describePath(path: readonly PropertyKey[], raw: unknown): string {
  let out = "";
  path.forEach((part, i) => {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
    if (i === 1 && path[0] === "routes" && typeof part === "number" && isRecord(raw)) {
      const route = Array.isArray(raw.routes) ? (raw.routes[part] as unknown) : undefined;
      if (isRecord(route) && typeof route.path === "string") out += ` ${JSON.stringify(route.path)}`;
    }
  });
  return out || "GATEWAY";
}

const quoted = (values: readonly unknown[]) => values.map((v) => String(v)).join(", ");

function unknownValue(input: unknown, values: readonly unknown[]): string {
  const hint = typeof input === "string" ? didYouMean(input, values.map(String)) : "";
  return `unknown value ${JSON.stringify(input)}${hint}; one of ${quoted(values)}`;
}

/** A union of literals (`status = 301 | 302 …`) fails as a union: say which values it takes. */
function unionOfValues(issue: Extract<Issue, { code: "invalid_union" }>): unknown[] | undefined {
  const values: unknown[] = [];
  for (const branch of issue.errors) {
    const only = branch.length === 1 ? branch[0] : undefined;
    if (only?.code !== "invalid_value" || only.path.length > 0) return undefined;
    values.push(...only.values);
  }
  return values.length > 0 ? values : undefined;
}

function describeIssue(issue: Issue, raw: unknown): string[] {
  const where = (path: readonly PropertyKey[]) => describePath(path, raw);
  switch (issue.code) {
    case "unrecognized_keys": {
      const valid = namesAt(gatewaySchema, issue.path);
      return issue.keys.map((key) => {
        const kind = valid?.kind ?? "field";
        const hint = valid ? didYouMean(key, valid.names) : "";
        const list = !hint && valid ? `; valid ${kind}s: ${valid.names.join(", ")}` : "";
        return `${where([...issue.path, key])}: unknown ${kind}${hint}${list}`;
      });
    }
    case "invalid_value":
      return [`${where(issue.path)}: ${unknownValue(issue.input, issue.values)}`];
    case "invalid_union": {
      const values = unionOfValues(issue);
      return [`${where(issue.path)}: ${values ? unknownValue(issue.input, values) : issue.message}`];
    }
    case "invalid_type":
      return [`${where(issue.path)}: ${issue.input === undefined ? "required" : issue.message}`];
    case "invalid_key": {
      const reason = issue.issues[0]?.message ?? issue.message;
      return [`${where(issue.path)}: ${reason}${upperCaseHint(issue.path, issue.input)}`];
    }
    default:
      return [`${where(issue.path)}: ${issue.message}`];
  }
}

/** `de` for a country code: suggest `DE` when the upper-case key would be valid. */
function upperCaseHint(path: readonly PropertyKey[], key: unknown): string {
  if (typeof key !== "string" || key.toUpperCase() === key) return "";
  const record = schemaAt(gatewaySchema, path.slice(0, -1));
  const keyType = record ? defOf(unwrap(record)).keyType : undefined;
  return keyType?.safeParse(key.toUpperCase()).success ? ` (did you mean "${key.toUpperCase()}"?)` : "";
}

export function schemaProblems(issues: readonly Issue[], raw: unknown): string[] {
  return issues.flatMap((issue) => describeIssue(issue, raw));
}
