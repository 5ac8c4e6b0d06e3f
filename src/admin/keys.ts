// /__aya/keys (admin bearer): runtime consumer keys (CONTRACT §7). POST makes a key and shows it
// once (`aya_` + 40 base62 characters); only its SHA-256 is kept, in the KeyStore object. GET
// lists keys and GET /{id} shows one, never the key, with a 4-character hint; PATCH changes a
// key's policy; DELETE revokes it. Every change reaches every location within about 2 s.
import type { Context } from "hono";
import type { ZodType } from "zod";
import type { Gateway } from "../config/normalize";
import { didYouMean } from "../config/suggest";
import { keyHint, newKey, newKeyId, sha256Hex } from "../consumers/key-format";
import { createKeySchema, type KeyPatch, type KeyPolicy, patchKeySchema } from "../consumers/key-policy";
import type { AppEnv } from "../env";
import { KEY_STORE } from "../replication/owners";

function store(c: Context<AppEnv>) {
  const ns = c.env.KEYS as Env["KEYS"];
  return ns.get(ns.idFromName(KEY_STORE));
}

const badRequest = (c: Context<AppEnv>, problems: string[]) =>
  c.json(
    {
      error: {
        code: "bad_request",
        message: `the key was not changed: ${problems.join("; ")}`,
        problems,
        requestId: c.get("requestId"),
      },
    },
    400,
  );

const notFound = (c: Context<AppEnv>, id: string) =>
  c.json({ error: { code: "no_route", message: `no key ${id}`, requestId: c.get("requestId") } }, 404);

async function parseBody<T>(
  c: Context<AppEnv>,
  schema: ZodType<T>,
): Promise<{ ok: true; value: T } | { ok: false; problems: string[] }> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    return { ok: false, problems: ["the body must be a JSON object"] };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "body"}: ${i.message}`),
    };
  return { ok: true, value: parsed.data };
}

/** What a policy names that the config does not have: a plan, a route, a model. */
function policyProblems(gateway: Gateway, policy: Partial<KeyPolicy> | KeyPatch): string[] {
  const problems: string[] = [];
  const plans = [...gateway.plans.keys()];
  if (typeof policy.plan === "string" && !gateway.plans.has(policy.plan))
    problems.push(
      `plan: unknown plan ${JSON.stringify(policy.plan)}${didYouMean(policy.plan, plans) || (plans.length ? ` (plans: ${plans.join(", ")})` : " (no plans are defined)")}`,
    );
  const routes = gateway.routes.filter((r) => r.auth).map((r) => r.path);
  (policy.routes ?? []).forEach((path, i) => {
    if (!routes.includes(path))
      problems.push(
        `routes[${i}]: ${JSON.stringify(path)} is not the path of a route with auth${didYouMean(path, routes) || (routes.length ? ` (routes with auth: ${routes.join(", ")})` : "")}`,
      );
  });
  const aliases = [...gateway.models.keys()];
  (policy.models ?? []).forEach((model, i) => {
    const slash = model.indexOf("/");
    const known = slash > 0 ? gateway.providers.has(model.slice(0, slash)) : gateway.models.has(model);
    if (!known)
      problems.push(
        `models[${i}]: ${JSON.stringify(model)} is neither a model alias nor provider/model of a configured provider${didYouMean(model, aliases)}`,
      );
  });
  if (typeof policy.expiresAt === "string" && Date.parse(policy.expiresAt) <= Date.now())
    problems.push("expiresAt: must be in the future");
  return problems;
}

export async function createKey(c: Context<AppEnv>): Promise<Response> {
  const body = await parseBody(c, createKeySchema);
  if (!body.ok) return badRequest(c, body.problems);
  const problems = policyProblems(c.get("gateway"), body.value);
  if (problems.length) return badRequest(c, problems);
  const key = newKey();
  const record = await store(c).create(await sha256Hex(key), newKeyId(), keyHint(key), body.value);
  // The only time the key is ever shown; `Accept: text/plain` gets it alone, for a shell variable.
  if ((c.req.header("accept") ?? "").startsWith("text/plain")) return c.text(`${key}\n`, 201);
  return c.json({ ...record, key }, 201);
}

export async function listKeys(c: Context<AppEnv>): Promise<Response> {
  const consumer = c.req.query("consumer");
  const keys = await store(c).list();
  return c.json({ keys: consumer ? keys.filter((k) => k.consumer === consumer) : keys });
}

export async function getKey(c: Context<AppEnv>): Promise<Response> {
  const id = c.req.param("id") ?? "";
  const record = await store(c).get(id);
  return record ? c.json(record) : notFound(c, id);
}

export async function patchKey(c: Context<AppEnv>): Promise<Response> {
  const id = c.req.param("id") ?? "";
  const body = await parseBody(c, patchKeySchema);
  if (!body.ok) return badRequest(c, body.problems);
  const problems = policyProblems(c.get("gateway"), body.value);
  if (problems.length) return badRequest(c, problems);
  const record = await store(c).patch(id, body.value);
  return record ? c.json(record) : notFound(c, id);
}

export async function revokeKey(c: Context<AppEnv>): Promise<Response> {
  const id = c.req.param("id") ?? "";
  const record = await store(c).revoke(id);
  return record ? c.json(record) : notFound(c, id);
}
