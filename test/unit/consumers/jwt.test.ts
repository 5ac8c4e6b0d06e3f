// The JWT verifier on its own: a token verified once is taken again without a signature check
// (a client sends the same token on every request) until its exp, never past it.
import { exportSPKI, generateKeyPair, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import type { JwtIssuer } from "../../../src/config/normalize";
import { JwtVerifier } from "../../../src/consumers/jwt";
import { ManualClock } from "../../support/manual-clock";

const issuer: JwtIssuer = {
  name: "t",
  issuer: "https://t.test/",
  audience: "api://t",
  publicKeySecret: "PEM",
  consumerClaim: "sub",
  algorithms: ["RS256"],
  clockSkewSeconds: 0,
};

describe("JwtVerifier", () => {
  it("checks a token's signature once, and its time window every time", async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
    const env = { PEM: await exportSPKI(publicKey) };
    const token = await new SignJWT({ sub: "u" })
      .setProtectedHeader({ alg: "RS256" })
      .setIssuer(issuer.issuer)
      .setAudience("api://t")
      .setExpirationTime(Math.floor(clock.now() / 1000) + 120)
      .sign(privateKey);
    const verifier = new JwtVerifier(clock);
    expect(await verifier.verify(token, [issuer], env)).toMatchObject({ ok: true, consumer: { id: "u" } });
    expect(verifier.signatureChecks).toBe(1);
    for (let i = 0; i < 5; i++) expect((await verifier.verify(token, [issuer], env)).ok).toBe(true);
    expect(verifier.signatureChecks).toBe(1);
    // Reused for at most a minute, then checked again; never past exp.
    clock.advance(61_000);
    expect((await verifier.verify(token, [issuer], env)).ok).toBe(true);
    expect(verifier.signatureChecks).toBe(2);
    clock.advance(60_000);
    expect((await verifier.verify(token, [issuer], env)).ok).toBe(false);
  });
});
