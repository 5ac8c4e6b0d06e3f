// The identify stage (DESIGN rule 9): on a route with `auth`, who is calling. The credential comes
// from the configured key headers; a JWT is verified against the route's issuers, anything else is
// a key. A route without `auth` has no consumer. Every refusal is decided here, before any
// backend or provider is called; unknown credentials count against the client IP's failure
// throttle. One Identifier per isolate (its JWKS, static key hashes and throttle are the isolate's).
import type { Clock } from "../clock";
import type { Gateway, Route } from "../config/normalize";
import type { Replica, ReplicaLinks } from "../replication/replica";
import type { AuthFailure, Consumer } from "./consumer";
import { presentedCredential } from "./credentials";
import { JwtVerifier } from "./jwt";
import { resolveKey, StaticKeys } from "./keys";
import { FailureThrottle } from "./throttle";

export type Identity =
  | {
      ok: true;
      consumer?: Consumer /** The header the credential came in: never forwarded. */;
      consumed?: string;
    }
  | { ok: false; failure: AuthFailure };

export interface IdentifyInput {
  gateway: Gateway;
  route: Route;
  headers: Headers;
  clientIp: string;
  env: Record<string, unknown>;
  links: ReplicaLinks;
}

export class Identifier {
  readonly jwt: JwtVerifier;
  readonly throttle = new FailureThrottle();
  private readonly staticKeys = new StaticKeys();

  constructor(
    private readonly clock: Clock,
    private readonly replica: Replica,
    fetcher?: typeof fetch,
  ) {
    this.jwt = new JwtVerifier(clock, fetcher);
  }

  async identify(input: IdentifyInput): Promise<Identity> {
    const auth = input.route.auth;
    if (!auth) return { ok: true };
    const { gateway } = input;
    const presented = presentedCredential(input.headers, gateway.auth.keyHeaders);
    if (!presented) {
      if (auth.optional) return { ok: true };
      return refuse({ status: 401, kind: "unauthorized", message: "this route needs a key or a token" });
    }
    const now = this.clock.now();
    const ip = input.clientIp;
    const blocked = this.throttle.blockedUntil(ip, now);
    const throttled = (): Identity =>
      refuse({
        status: 429,
        kind: "throttled",
        message: "too many failed attempts from this address; try again later",
        retryAfterSeconds: Math.max(1, Math.ceil((blocked - now) / 1000)),
      });
    const issuers = auth.methods
      .filter((m) => m.startsWith("jwt:"))
      .map((m) => gateway.auth.jwt.get(m.slice(4)))
      .filter((i) => i !== undefined);

    if (presented.kind === "jwt" && issuers.length > 0) {
      if (blocked) return throttled();
      const result = await this.jwt.verify(presented.value, issuers, input.env);
      if (!result.ok) return this.fail(ip, now, result.reason);
      return this.admitted(result.consumer, input.route, presented.header);
    }
    if (!auth.methods.includes("key")) return this.fail(ip, now, "this route takes tokens, not keys");
    // A key already confirmed here passes even from a throttled address (a NAT shares it with an
    // attacker); only what would need a lookup is refused.
    const result = await resolveKey(
      presented.value,
      now,
      this.staticKeys,
      gateway.consumers,
      input.env,
      this.replica,
      input.links,
      blocked > 0,
    );
    if (result.ok) return this.admitted(result.consumer, input.route, presented.header);
    if ("malformed" in result) return refuse(invalid("the key is not valid"));
    if (result.failure.kind === "throttled") return throttled();
    if (result.failure.status === 401) this.throttle.fail(ip, now);
    return refuse(result.failure);
  }

  private admitted(consumer: Consumer, route: Route, consumed: string): Identity {
    if (consumer.routes && !consumer.routes.includes(route.path))
      return refuse({
        status: 403,
        kind: "forbidden",
        message: `consumer ${consumer.id} may not call ${route.path}`,
      });
    return { ok: true, consumer, consumed };
  }

  private fail(ip: string, now: number, reason: string): Identity {
    this.throttle.fail(ip, now);
    return refuse(invalid(reason));
  }
}

const invalid = (message: string): AuthFailure => ({
  status: 401,
  kind: "unauthorized",
  message,
  presented: true,
});
const refuse = (failure: AuthFailure): Identity => ({ ok: false, failure });
