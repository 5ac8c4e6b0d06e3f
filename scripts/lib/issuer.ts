// A fake OpenID issuer for tests: signs tokens with its current key, publishes its public keys as
// a JWKS (with a Cache-Control the gateway should honour), rotates on demand, and can forge the
// classic bad tokens (HMAC signed with the public key, `alg: none`). Control API, all JSON:
//   GET  /jwks.json                     the published keys (counts fetches)
//   GET  /public.pem?alg=RS256          the current public key as SPKI PEM
//   POST /sign {claims, alg?, kid?}     a token signed with the current key of that algorithm
//   POST /forge {claims, kind}          kind "hs256-public-key" | "none": tokens that must be refused
//   POST /rotate                        new keys (new kids); the old ones stay published
//   POST /retire                        publish only the newest keys
//   GET  /stats                         {jwksFetches}
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from "jose";

type Alg = "RS256" | "ES256";

interface IssuerKey {
  kid: string;
  alg: Alg;
  privateKey: CryptoKey;
  publicJwk: JWK;
  pem: string;
}

export class FakeIssuer {
  private keys: IssuerKey[] = [];
  private generation = 0;
  jwksFetches = 0;
  private server?: Server;

  async rotate(): Promise<void> {
    this.generation += 1;
    for (const alg of ["RS256", "ES256"] as const) {
      const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
      const kid = `${alg.toLowerCase()}-${this.generation}`;
      const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
      this.keys.push({ kid, alg, privateKey, publicJwk, pem: await exportSPKI(publicKey) });
    }
  }

  retire(): void {
    this.keys = this.keys.filter((k) => k.kid.endsWith(`-${this.generation}`));
  }

  current(alg: Alg): IssuerKey {
    const key = [...this.keys].reverse().find((k) => k.alg === alg);
    if (!key) throw new Error(`no ${alg} key`);
    return key;
  }

  async sign(claims: Record<string, unknown>, alg: Alg = "RS256", kid?: string): Promise<string> {
    const key = this.current(alg);
    return new SignJWT(claims).setProtectedHeader({ alg, kid: kid ?? key.kid }).sign(key.privateKey);
  }

  forge(claims: Record<string, unknown>, kind: string): string {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    if (kind === "none") return `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`;
    // HS256 with the RSA public key (as PEM text) as the HMAC secret: a gateway that lets the token
    // choose its algorithm would accept it.
    const key = this.current("RS256");
    const head = `${b64({ alg: "HS256", typ: "JWT", kid: key.kid })}.${b64(claims)}`;
    return `${head}.${createHmac("sha256", key.pem).update(head).digest("base64url")}`;
  }

  async listen(port = 0): Promise<number> {
    if (this.keys.length === 0) await this.rotate();
    const server = createServer(async (req, res) => {
      const reply = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(typeof value === "string" ? value : JSON.stringify(value));
      };
      try {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const text = Buffer.concat(chunks).toString("utf8");
        const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
        const url = new URL(req.url ?? "/", "http://issuer.test");
        if (url.pathname === "/jwks.json") {
          this.jwksFetches += 1;
          return reply(
            200,
            { keys: this.keys.map((k) => k.publicJwk) },
            { "cache-control": "public, max-age=300" },
          );
        }
        if (url.pathname === "/public.pem")
          return reply(200, this.current((url.searchParams.get("alg") as Alg) ?? "RS256").pem, {
            "content-type": "text/plain",
          });
        if (url.pathname === "/sign")
          return reply(200, {
            token: await this.sign(
              (body.claims ?? {}) as Record<string, unknown>,
              (body.alg as Alg) ?? "RS256",
              body.kid as string | undefined,
            ),
          });
        if (url.pathname === "/forge")
          return reply(200, {
            token: this.forge((body.claims ?? {}) as Record<string, unknown>, String(body.kind)),
          });
        if (url.pathname === "/rotate") {
          await this.rotate();
          return reply(200, { kids: this.keys.map((k) => k.kid) });
        }
        if (url.pathname === "/retire") {
          this.retire();
          return reply(200, { kids: this.keys.map((k) => k.kid) });
        }
        if (url.pathname === "/stats") return reply(200, { jwksFetches: this.jwksFetches });
        return reply(404, { error: "unknown" });
      } catch (error) {
        return reply(500, { error: String(error) });
      }
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
