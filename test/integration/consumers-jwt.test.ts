// Consumers by JWT, through the Worker, against a fake issuer on 127.0.0.1 that publishes a JWKS
// (test/support/issuer.ts): the consumer comes from `sub` (or consumerClaim), the plan from
// planClaim; a token from another issuer or audience, expired, not yet valid, without `exp`,
// signed with an algorithm the issuer is not configured for, tampered with, unsigned, or signed
// with HMAC over the public key is a 401; a key rotation is followed; a PEM in a secret works too.
import { describe, expect, it } from "vitest";
import { clockedGateway } from "../support/clocked";
import { origin } from "../support/farm";
import {
  forgeToken,
  issuerUrl,
  jwksFetches,
  publicPem,
  retireKeys,
  rotateKeys,
  signToken,
} from "../support/issuer";

const ISSUER = "https://issuer.test/";
const AUDIENCE = "api://aya";

async function setup(prefix: string, jwt: Record<string, unknown> = {}, env: Record<string, unknown> = {}) {
  const backend = await origin(`${prefix}-1`);
  return clockedGateway(
    {
      auth: {
        jwt: {
          test: {
            issuer: ISSUER,
            audience: AUDIENCE,
            jwksUrl: `${issuerUrl()}/jwks.json`,
            planClaim: "plan",
            algorithms: ["RS256"],
            ...jwt,
          },
        },
      },
      plans: { pro: {} },
      pools: { p: { backends: [backend], healthCheck: { enabled: false } } },
      routes: [{ path: "/api/*", pool: "p", auth: { methods: ["jwt:test"] } }],
    },
    undefined,
    env,
  );
}

const seconds = (gw: { clock: { now(): number } }) => Math.floor(gw.clock.now() / 1000);
const claims = (gw: { clock: { now(): number } }, extra: Record<string, unknown> = {}) => ({
  iss: ISSUER,
  aud: AUDIENCE,
  sub: "user-42",
  plan: "pro",
  iat: seconds(gw),
  exp: seconds(gw) + 600,
  ...extra,
});
const call = (gw: ReturnType<typeof clockedGateway>, token: string) =>
  gw.call("/api/x", { headers: { authorization: `Bearer ${token}` } });
const consumerOf = (body: string) =>
  (JSON.parse(body) as { headers: Record<string, string> }).headers["x-aya-consumer"];

describe("a route with auth = jwt", () => {
  it("takes the consumer from the token's sub and never forwards the token", async () => {
    const gw = await setup("jwt-ok");
    const res = await call(gw, await signToken(claims(gw)));
    expect(res.status).toBe(200);
    expect(consumerOf(res.body)).toBe("user-42");
    expect(
      (JSON.parse(res.body) as { headers: Record<string, string> }).headers.authorization,
    ).toBeUndefined();
  });

  it.each([
    ["another issuer", { iss: "https://evil.test/" }],
    ["another audience", { aud: "api://other" }],
    ["an expired token", { exp: 1_000 }],
    ["a token not valid yet", { nbf: 4_000_000_000 }],
    ["a token without exp", { exp: undefined }],
  ])("answers 401 for %s", async (_name, extra) => {
    const gw = await setup(`jwt-bad-${String(_name).length}`);
    const res = await call(gw, await signToken(claims(gw, extra)));
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="aya", error="invalid_token"$/);
  });

  it("stops taking a token once it expires, however often it was verified before", async () => {
    const gw = await setup("jwt-reuse", { clockSkewSeconds: 5 });
    const token = await signToken(claims(gw, { exp: seconds(gw) + 10 }));
    for (let i = 0; i < 3; i++) expect((await call(gw, token)).status).toBe(200);
    gw.advance(16_000);
    expect((await call(gw, token)).status).toBe(401);
  });

  it("allows the configured clock skew, and no more", async () => {
    const gw = await setup("jwt-skew", { clockSkewSeconds: 30 });
    expect((await call(gw, await signToken(claims(gw, { exp: seconds(gw) - 20 })))).status).toBe(200);
    expect((await call(gw, await signToken(claims(gw, { exp: seconds(gw) - 40 })))).status).toBe(401);
  });

  it("refuses an algorithm the issuer is not configured for, a tampered token, alg none and HMAC with the public key", async () => {
    const gw = await setup("jwt-alg");
    expect((await call(gw, await signToken(claims(gw), "ES256"))).status).toBe(401);
    const good = await signToken(claims(gw));
    const [head, , signature] = good.split(".");
    const payload = btoa(JSON.stringify(claims(gw, { sub: "admin" })))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    const tampered = `${head}.${payload}.${signature}`;
    expect((await call(gw, tampered)).status).toBe(401);
    expect((await call(gw, await forgeToken(claims(gw), "none"))).status).toBe(401);
    expect((await call(gw, await forgeToken(claims(gw), "hs256-public-key"))).status).toBe(401);
    expect((await call(gw, good)).status).toBe(200);
  });

  it("follows a key rotation: a token with a new kid makes the JWKS be fetched again, once", async () => {
    const gw = await setup("jwt-rotate");
    expect((await call(gw, await signToken(claims(gw)))).status).toBe(200);
    const fetched = await jwksFetches();
    // Kept as long as its Cache-Control says: no fetch for the next token with a known kid.
    expect((await call(gw, await signToken(claims(gw, { sub: "again" })))).status).toBe(200);
    expect(await jwksFetches()).toBe(fetched);
    await rotateKeys();
    await retireKeys();
    gw.advance(31_000); // past the refetch cool-down
    const res = await call(gw, await signToken(claims(gw, { sub: "rotated" })));
    expect(res.status).toBe(200);
    expect(consumerOf(res.body)).toBe("rotated");
    expect(await jwksFetches()).toBe(fetched + 1);
  });

  it("verifies with a PEM public key held in a secret", async () => {
    const pem = await publicPem();
    const gw = await setup(
      "jwt-pem",
      { jwksUrl: undefined, publicKeySecret: "ISSUER_PEM" },
      { ISSUER_PEM: pem },
    );
    const res = await call(gw, await signToken(claims(gw)));
    expect(res.status).toBe(200);
    expect(consumerOf(res.body)).toBe("user-42");
  });

  it("answers 401 when the route takes tokens and the client sends a key", async () => {
    const gw = await setup("jwt-key");
    expect((await gw.call("/api/x", { headers: { "x-api-key": `aya_${"k".repeat(40)}` } })).status).toBe(401);
  });
});
