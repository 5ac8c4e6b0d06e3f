// Renders the configuration reference from the schema's fields (schema-fields.ts) and their
// meanings (fields.ts): docs/CONFIG.md for people, and the JSON Schema with descriptions for
// editors. Also lists what is wrong with the pairing: a schema field without a meaning, or a
// meaning without a field; the generator refuses to write either.
import { FIELDS, type FieldDoc, SAME_AS } from "./fields.ts";
import { gatewayJsonSchema, type JsonSchema, type SchemaField, schemaFields } from "./schema-fields.ts";

export interface Reference {
  markdown: string;
  jsonSchema: string;
  problems: string[];
}

interface Input {
  schema: JsonSchema;
  docs: Record<string, FieldDoc>;
  sameAs: Record<string, string>;
}

/** The field `path` takes its sub-fields' meanings from, and the path it stands for there. */
function aliasOf(path: string, sameAs: Record<string, string>): { from: string; to: string } | undefined {
  for (const [from, to] of Object.entries(sameAs)) {
    if (path.startsWith(`${from}.`) || path.startsWith(`${from}[]`))
      return { from, to: to + path.slice(from.length) };
  }
  return undefined;
}

function docFor(path: string, input: Input): FieldDoc | undefined {
  const own = input.docs[path];
  if (own) return own;
  const alias = aliasOf(path, input.sameAs);
  return alias ? input.docs[alias.to] : undefined;
}

const INT_MAX = Number.MAX_SAFE_INTEGER;

/** TOML spelling of a default value. */
function toml(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(toml).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value);
    return entries.length ? `{ ${entries.map(([k, v]) => `${k} = ${toml(v)}`).join(", ")} }` : "{}";
  }
  return String(value);
}

function range(s: JsonSchema): string {
  const low =
    s.exclusiveMinimum !== undefined
      ? `> ${s.exclusiveMinimum}`
      : s.minimum !== undefined
        ? `≥ ${s.minimum}`
        : "";
  const high = s.maximum !== undefined && s.maximum !== INT_MAX ? `≤ ${s.maximum}` : "";
  return [low, high].filter(Boolean).join(", ");
}

export function typeOf(s: JsonSchema): string {
  if (s.const !== undefined) return `\`${toml(s.const)}\``;
  if (s.enum) return s.enum.map((v) => `\`${toml(v)}\``).join(" \\| ");
  if (s.anyOf) return s.anyOf.map(typeOf).join(" \\| ");
  switch (s.type) {
    case "boolean":
      return "boolean";
    case "integer":
    case "number": {
      const limits = range(s);
      return limits ? `${s.type} ${limits}` : String(s.type);
    }
    case "string":
      return s.format === "starts_with" && s.pattern?.startsWith("^\\/")
        ? "string starting with `/`"
        : "string";
    case "array": {
      const item = s.items
        ? s.items.type === "object" && s.items.properties
          ? "tables"
          : typeOf(s.items)
        : "values";
      return `list of ${item}${s.minItems ? ` (at least ${s.minItems})` : ""}`;
    }
    case "object": {
      if (s.properties) return "table";
      const value = typeof s.additionalProperties === "object" ? s.additionalProperties : undefined;
      const key = s.propertyNames?.enum ? s.propertyNames.enum.map(String).join(" ") : "name";
      if (!value) return "table";
      return `table of ${key} → ${value.properties ? "table" : typeOf(value)}`;
    }
    default:
      return "any";
  }
}

/** The default of a table with defaults: the sub-fields' own, or what differs from them. */
function tableDefault(
  field: SchemaField,
  all: Map<string, SchemaField>,
  sameAs: Record<string, string>,
): string {
  const value = field.schema.default as Record<string, unknown>;
  const base = sameAs[field.path] ?? field.path;
  const differs = Object.entries(value).filter(([k, v]) => {
    const sub = all.get(`${base}.${k}`)?.schema.default;
    return JSON.stringify(sub) !== JSON.stringify(v);
  });
  if (differs.length === 0) return "its fields' defaults";
  return `${differs.map(([k, v]) => `\`${k} = ${toml(v)}\``).join(", ")}; otherwise its fields' defaults`;
}

function defaultOf(
  field: SchemaField,
  all: Map<string, SchemaField>,
  sameAs: Record<string, string>,
): string {
  const d = field.schema.default;
  if (field.required) return "required";
  if (d === undefined) return "none";
  if (
    typeof d === "object" &&
    d !== null &&
    !Array.isArray(d) &&
    Object.keys(d).length > 0 &&
    field.hasChildren
  )
    return tableDefault(field, all, sameAs);
  return `\`${toml(d)}\``;
}

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

function row(
  field: SchemaField,
  doc: FieldDoc | undefined,
  all: Map<string, SchemaField>,
  input: Input,
): string {
  const target = input.sameAs[field.path];
  const shape = target ? ` Its fields are those of \`${target}\`.` : "";
  const example = doc?.example && !doc.example.includes("\n") ? ` Example: \`${cell(doc.example)}\`` : "";
  const meaning = `${cell(doc?.meaning ?? "")}${shape}${example}`;
  return `| \`${field.path}\` | ${typeOf(field.schema)} | ${defaultOf(field, all, input.sameAs)} | ${meaning} |`;
}

const HEADER = `# GATEWAY configuration reference

<!-- Generated by \`npm run docs:config\` from the zod schema (src/config/schema.ts) and the
meanings in scripts/config-docs/fields.ts. Edit those, not this file; CI fails when it is stale. -->

Every field of the \`GATEWAY\` variable in \`wrangler.toml\` (\`[vars.GATEWAY]\`, or
\`[env.NAME.vars.GATEWAY]\` for an environment; the same value may be given as a JSON string).
Types, defaults and limits come from the schema the Worker validates with; \`npm run
check-config\` checks a config offline. A path reads as the config is written:
\`pools.<pool>.backends[].url\` is the \`url\` of a backend in the list \`backends\` of any pool.
For editors, [gateway.schema.json](gateway.schema.json) is the same schema as JSON Schema.
`;

const TITLES: Record<string, string> = {
  pools: "Pools: `[vars.GATEWAY.pools.<pool>]`",
  routes: "Routes: `[[vars.GATEWAY.routes]]`",
  providers: "AI providers: `[vars.GATEWAY.providers.<provider>]`",
  models: "Models: `[vars.GATEWAY.models.<alias>]`",
};

function render(input: Input): Reference {
  const fields = schemaFields(input.schema);
  const all = new Map(fields.map((f) => [f.path, f]));
  const problems: string[] = [];
  for (const field of fields) {
    if (!docFor(field.path, input))
      problems.push(`${field.path} has no documentation: add it to scripts/config-docs/fields.ts`);
  }
  for (const path of Object.keys(input.docs)) {
    if (!all.has(path))
      problems.push(`scripts/config-docs/fields.ts documents ${path}, which the schema does not have`);
  }
  for (const [from, to] of Object.entries(input.sameAs)) {
    if (!all.has(from) || !all.has(to))
      problems.push(
        `SAME_AS in scripts/config-docs/fields.ts names ${from} → ${to}, which the schema does not have`,
      );
  }

  // Sections: the top-level scalars together, then one per top-level table.
  const shown = fields.filter((f) => !aliasOf(f.path, input.sameAs));
  const topLevel = shown.filter((f) => !f.path.includes(".") && !f.path.includes("[") && !f.hasChildren);
  const sections = [HEADER, "## Top level", "", "| Field | Type | Default | Meaning |", "|---|---|---|---|"];
  for (const f of topLevel) sections.push(row(f, docFor(f.path, input), all, input));
  for (const table of shown.filter((f) => !f.path.includes(".") && f.hasChildren)) {
    const doc = docFor(table.path, input);
    sections.push("", `## ${TITLES[table.path] ?? `\`${table.path}\``}`, "", doc?.meaning ?? "");
    if (doc?.example) sections.push("", "```toml", doc.example, "```");
    sections.push("", "| Field | Type | Default | Meaning |", "|---|---|---|---|");
    const under = shown.filter(
      (f) => f.path.startsWith(`${table.path}.`) || f.path.startsWith(`${table.path}[`),
    );
    for (const f of under) sections.push(row(f, docFor(f.path, input), all, input));
  }
  return { markdown: `${sections.join("\n")}\n`, jsonSchema: describedSchema(input), problems };
}

/** The JSON Schema with each field's meaning (and example) as its description, for editor hovers. */
function describedSchema(input: Input): string {
  const root = structuredClone(input.schema);
  root.title = "aya GATEWAY configuration";
  root.description = "The GATEWAY variable of aya's wrangler.toml. Reference: docs/CONFIG.md.";
  // The fields' schemas are the nodes of this copy: a description set on one lands in `root`.
  for (const field of schemaFields(root)) {
    const doc = docFor(field.path, input);
    if (doc)
      field.schema.description = doc.example ? `${doc.meaning}\n\nExample: ${doc.example}` : doc.meaning;
  }
  return `${JSON.stringify(root, null, 2)}\n`;
}

export function configReference(overrides: Partial<Input> = {}): Reference {
  return render({ schema: gatewayJsonSchema(), docs: FIELDS, sameAs: SAME_AS, ...overrides });
}
