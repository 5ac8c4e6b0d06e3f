// Before a route serves anything: its CORS preflight is answered here, its `access` rules and
// its `auth` decide who may call (DESIGN rule 9: identify, then admit). What it finds, the
// consumer and the header its credential came in, the request carries on to the later stages.
import type { Context } from "hono";
import type { Route } from "../config/normalize";
import type { AppEnv } from "../env";
import type { ReplicaLinks } from "../replication/replica";
import type { ClientInfo } from "../routing/client";
import { accessDenied } from "./access";
import type { AuthFailure } from "./consumer";
import { isPreflight, preflightAnswer } from "./cors";
import type { Identifier } from "./identify";

export type Admission =
  | { kind: "admitted" }
  | { kind: "preflight"; response: Response }
  | { kind: "refused"; failure: AuthFailure };

export async function admit(
  c: Context<AppEnv>,
  route: Route,
  client: ClientInfo,
  identifier: Identifier,
  links: ReplicaLinks,
): Promise<Admission> {
  const request = c.req.raw;
  if (route.cors && isPreflight(request))
    return { kind: "preflight", response: preflightAnswer(route.cors, request) };
  if (route.access) {
    const why = accessDenied(route.access, client);
    if (why)
      return {
        kind: "refused",
        failure: { status: 403, kind: "forbidden", message: `${why} on this route` },
      };
  }
  if (!route.auth) return { kind: "admitted" };
  const identity = await identifier.identify({
    gateway: c.get("gateway"),
    route,
    headers: request.headers,
    clientIp: client.ip,
    env: c.env,
    links,
  });
  if (!identity.ok) return { kind: "refused", failure: identity.failure };
  const plan = identity.consumer?.plan;
  // A plan the config no longer has (a token's claim, a key made before the plan was removed)
  // must not mean "no limits": refused, as a consumer outside its policy is.
  if (plan !== undefined && !c.get("gateway").plans.has(plan))
    return {
      kind: "refused",
      failure: { status: 403, kind: "forbidden", message: `the plan ${JSON.stringify(plan)} is not defined` },
    };
  if (identity.consumer) {
    c.set("consumer", identity.consumer);
    const record = c.get("record");
    if (record) record.consumer = identity.consumer.id;
  }
  if (identity.consumed) c.set("consumedHeader", identity.consumed);
  return { kind: "admitted" };
}
