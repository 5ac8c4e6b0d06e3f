// The GATEWAY schema as a flat list of fields, read from its JSON Schema (zod's own
// z.toJSONSchema, so types, defaults and limits come from the schema and nothing is copied by
// hand). A field's path reads as it is written in wrangler.toml: `pools.<pool>.backends[].url`.
import { z } from "zod";
import { gatewaySchema } from "../../src/config/schema.ts";

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  required?: string[];
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  minLength?: number;
  pattern?: string;
  format?: string;
  description?: string;
  [key: string]: unknown;
}

export interface SchemaField {
  path: string;
  schema: JsonSchema;
  required: boolean;
  /** A table of named entries (pools, providers …) or of sub-fields, documented field by field. */
  hasChildren: boolean;
}

/** The name a reader gives an entry of a table of named things. */
const ENTRY_NAMES: Record<string, string> = { pools: "<pool>", providers: "<provider>", models: "<alias>" };

export function gatewayJsonSchema(): JsonSchema {
  return z.toJSONSchema(gatewaySchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
}

const isObject = (s: JsonSchema) => s.type === "object";
const entryOf = (s: JsonSchema) =>
  typeof s.additionalProperties === "object" &&
  isObject(s.additionalProperties) &&
  s.additionalProperties.properties
    ? s.additionalProperties
    : undefined;

export function schemaFields(root: JsonSchema = gatewayJsonSchema()): SchemaField[] {
  const out: SchemaField[] = [];
  const visit = (schema: JsonSchema, prefix: string) => {
    for (const [name, child] of Object.entries(schema.properties ?? {})) {
      const path = prefix ? `${prefix}.${name}` : name;
      const required = schema.required?.includes(name) ?? false;
      const entry = entryOf(child);
      const element =
        child.type === "array" && child.items && isObject(child.items) ? child.items : undefined;
      const nested = child.properties ? child : (entry ?? (element?.properties ? element : undefined));
      out.push({ path, schema: child, required, hasChildren: Boolean(nested) });
      if (child.properties) visit(child, path);
      else if (entry) visit(entry, `${path}.${ENTRY_NAMES[name] ?? "<name>"}`);
      else if (element?.properties) visit(element, `${path}[]`);
    }
  };
  visit(root, "");
  return out;
}
