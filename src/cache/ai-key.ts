// Where an AI answer is kept: `a:<model as the client named it>:<kind>:<hash>#host=<host>`. The
// model leads so that a purge lists one alias's answers by prefix (`a:chat:`) or all of them
// (`a:`); the hash covers the normalised request (ai-policy.ts) and whose answer it is: the route
// (host and path pattern, as route keys are scoped), the request's host and, on routes with auth,
// the consumer, so one client's exact prompt never answers another's.
import type { Route } from "../config/normalize";
import { type AiKind, canonicalJson, keyMaterial } from "./ai-policy";
import { hostPart, sha256 } from "./key";

export const AI_KEY_PREFIX = "a:";

/** Models are named by clients (`provider/anything`): longer names are hashed, to keep keys under 512 bytes. */
const MODEL_SEGMENT_MAX = 150;

export interface AiKeyScope {
  route: Pick<Route, "host" | "path">;
  /** The request's host (`host[:port]`). */
  host: string;
  /** The consumer the request was identified as, on a route with auth (contract §7). */
  consumer?: string;
}

/**
 * The model part of a key: URI-encoded, so `:` never splits it; a long one as `#` and a hash
 * (`#` is always encoded by encodeURIComponent, so the two never meet).
 */
export async function modelSegment(model: string): Promise<string> {
  const encoded = encodeURIComponent(model);
  if (encoded.length <= MODEL_SEGMENT_MAX) return encoded;
  return `#${(await sha256(model)).slice(0, 32)}`;
}

/** The prefix under which every answer for `model` (alias or provider/model) is kept. */
export async function aiModelPrefix(model: string): Promise<string> {
  return `${AI_KEY_PREFIX}${await modelSegment(model)}:`;
}

export async function aiCacheKey(
  kind: AiKind,
  request: Record<string, unknown>,
  scope: AiKeyScope,
): Promise<string> {
  const whose = canonicalJson({
    route: [scope.route.host ?? "", scope.route.path],
    host: scope.host,
    consumer: scope.consumer ?? null,
  });
  const hash = await sha256(`${whose}\n${keyMaterial(kind, request)}`);
  const model = typeof request.model === "string" ? request.model : "";
  return `${await aiModelPrefix(model)}${kind}:${hash}${hostPart(scope.host)}`;
}
