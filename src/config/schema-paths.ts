// Finds what the schema allows at a field path, so that a config problem can name the valid
// choices: the fields of an object (for a misspelt field) or the keys of a record whose keys are
// an enum (continents). Reads zod's own schema definitions, so it follows the schema as it grows.
import type { z } from "zod";

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  entries?: Record<string, string | number>;
}

export function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The schema under its wrappers (optional, default, pipe …): what the value itself must be. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    const inner = def.innerType ?? (def.type === "pipe" ? def.in : undefined);
    if (!inner) return current;
    current = inner;
  }
}

/** The schema a value at `path` is checked against, if the path leads anywhere. */
export function schemaAt(root: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let current: z.ZodType | undefined = root;
  for (const part of path) {
    if (!current) return undefined;
    const def = defOf(unwrap(current));
    if (def.type === "object") current = def.shape?.[String(part)];
    else if (def.type === "record") current = def.valueType;
    else if (def.type === "array") current = def.element;
    else return undefined;
  }
  return current;
}

export type ValidNames = { kind: "field" | "key"; names: string[] };

/** The names an object at `path` may have: its fields, or a record's enum keys. */
export function namesAt(root: z.ZodType, path: readonly PropertyKey[]): ValidNames | undefined {
  const at = schemaAt(root, path);
  if (!at) return undefined;
  const def = defOf(unwrap(at));
  if (def.type === "object" && def.shape) return { kind: "field", names: Object.keys(def.shape) };
  if (def.type === "record" && def.keyType) {
    const keys = defOf(unwrap(def.keyType));
    if (keys.type === "enum" && keys.entries)
      return { kind: "key", names: Object.values(keys.entries).map(String) };
  }
  return undefined;
}
