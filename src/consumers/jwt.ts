// JWT consumers (jose): a token is verified against the issuer its `iss` names, among the issuers
// the route accepts, with that issuer's audience, algorithms (asymmetric only: the schema refuses
// HMAC and `none` is never accepted) and clock skew; `exp` is required. Keys come from the
// issuer's JWKS (fetched on first use, kept as long as its Cache-Control says, between 1 minute
// and 1 hour, refetched at most every 30 s when a token names a `kid` it lacks: key rotation) or
// from a PEM / JWK public key in a secret. One verifier per isolate.
import {
  createLocalJWKSet,
  decodeJwt,
  errors,
  importJWK,
  importSPKI,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from "jose";
import { type Clock, within } from "../clock";
import type { JwtIssuer } from "../config/normalize";
import type { Consumer } from "./consumer";

const MIN_TTL_MS = 60_000;
/** A verified token is trusted again without a signature check for at most this long (and never past its exp). */
const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX = 10_000;
const MAX_TTL_MS = 3_600_000;
const DEFAULT_TTL_MS = 600_000;
const REFETCH_COOLDOWN_MS = 30_000;
const FETCH_TIMEOUT_MS = 5_000;

interface Verified {
  consumer: Consumer;
  issuer: string;
  /** Until when it may be reused (ms): its exp plus the skew, and at most VERIFIED_TTL_MS after the check. */
  until: number;
  /** Not before (ms, skew applied), when the token has nbf. */
  from: number;
}

interface KeySet {
  get: JWTVerifyGetKey;
  fetchedAt: number;
  expiresAt: number;
}

export type JwtResult = { ok: true; consumer: Consumer } | { ok: false; reason: string };

export class JwtVerifier {
  /** JWKS fetches made, and signatures checked (for tests). */
  fetches = 0;
  signatureChecks = 0;
  private readonly sets = new Map<string, KeySet>();
  private readonly loading = new Map<string, Promise<KeySet>>();
  private readonly pemKeys = new Map<string, Promise<CryptoKey>>();
  /**
   * Tokens verified lately, by their text: a client sends the same token on every request, and a
   * signature check (tens of µs for RS256) need not be repeated for it. The token's own time
   * window still holds; a key the issuer retires stops its tokens within VERIFIED_TTL_MS.
   */
  private readonly verified = new Map<string, Verified>();

  constructor(
    private readonly clock: Clock,
    private readonly fetcher: typeof fetch = (input, init) => fetch(input, init),
  ) {}

  async verify(
    token: string,
    issuers: readonly JwtIssuer[],
    env: Record<string, unknown>,
  ): Promise<JwtResult> {
    const now = this.clock.now();
    const known = this.verified.get(token);
    if (known && now < known.until && now >= known.from && issuers.some((i) => i.name === known.issuer))
      return { ok: true, consumer: known.consumer };
    let claimed: JWTPayload;
    try {
      claimed = decodeJwt(token);
    } catch {
      return { ok: false, reason: "the token is not a JWT" };
    }
    const issuer = issuers.find((i) => i.issuer === claimed.iss);
    if (!issuer) return { ok: false, reason: "the token's issuer is not accepted here" };
    try {
      const payload = await this.check(token, issuer, env);
      const value = payload[issuer.consumerClaim];
      if (typeof value !== "string" && typeof value !== "number")
        return { ok: false, reason: `the token has no ${issuer.consumerClaim} claim` };
      const plan = issuer.planClaim ? payload[issuer.planClaim] : undefined;
      const consumer: Consumer = {
        id: String(value),
        via: `jwt:${issuer.name}`,
        plan: typeof plan === "string" ? plan : undefined,
      };
      this.remember(token, issuer, payload, consumer, now);
      return { ok: true, consumer };
    } catch (error) {
      return { ok: false, reason: reasonOf(error) };
    }
  }

  private remember(
    token: string,
    issuer: JwtIssuer,
    payload: JWTPayload,
    consumer: Consumer,
    now: number,
  ): void {
    const skew = issuer.clockSkewSeconds * 1000;
    const until = Math.min(now + VERIFIED_TTL_MS, (payload.exp ?? 0) * 1000 + skew);
    const from = payload.nbf === undefined ? 0 : payload.nbf * 1000 - skew;
    if (this.verified.size >= VERIFIED_MAX) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(token, { consumer, issuer: issuer.name, until, from });
  }

  private async check(token: string, issuer: JwtIssuer, env: Record<string, unknown>): Promise<JWTPayload> {
    this.signatureChecks += 1;
    const options = {
      issuer: issuer.issuer,
      audience: issuer.audience,
      algorithms: issuer.algorithms,
      clockTolerance: issuer.clockSkewSeconds,
      currentDate: new Date(this.clock.now()),
      requiredClaims: ["exp"],
    };
    if (issuer.publicKeySecret) {
      const secret = env[issuer.publicKeySecret];
      if (typeof secret !== "string" || secret === "")
        throw new Error(`the secret ${issuer.publicKeySecret} is not set`);
      const getKey: JWTVerifyGetKey = (header) => {
        if (!header.alg || !(issuer.algorithms as string[]).includes(header.alg))
          throw new errors.JOSEAlgNotAllowed();
        return this.pemKey(issuer, secret, header.alg);
      };
      return (await jwtVerify(token, getKey, options)).payload;
    }
    const set = await this.keySet(issuer, false);
    try {
      return (await jwtVerify(token, set.get, options)).payload;
    } catch (error) {
      // A kid the cached set lacks: the issuer may have rotated its keys. Ask again (not too often).
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      if (this.clock.now() - set.fetchedAt < REFETCH_COOLDOWN_MS) throw error;
      const fresh = await this.keySet(issuer, true);
      return (await jwtVerify(token, fresh.get, options)).payload;
    }
  }

  private pemKey(issuer: JwtIssuer, secret: string, alg: string): Promise<CryptoKey> {
    const id = `${issuer.name}\u0000${alg}\u0000${secret}`;
    let key = this.pemKeys.get(id);
    if (!key) {
      const text = secret.trim();
      key = (
        text.startsWith("{")
          ? importJWK(JSON.parse(text) as Parameters<typeof importJWK>[0], alg)
          : importSPKI(text.replace(/\\n/g, "\n"), alg)
      ) as Promise<CryptoKey>;
      key.catch(() => this.pemKeys.delete(id));
      this.pemKeys.set(id, key);
    }
    return key;
  }

  private async keySet(issuer: JwtIssuer, refresh: boolean): Promise<KeySet> {
    const now = this.clock.now();
    const known = this.sets.get(issuer.name);
    if (known && !refresh && now < known.expiresAt) return known;
    let loading = this.loading.get(issuer.name);
    if (!loading) {
      loading = this.fetchSet(issuer).finally(() => this.loading.delete(issuer.name));
      this.loading.set(issuer.name, loading);
    }
    try {
      // Another request's fetch is waited for on this request's own timer too: workerd may drop
      // a continuation from another request's context, and a request with nothing of its own
      // pending is then cancelled as hung (the same care as LeaseHolder.joinRenewal).
      const set = await within(this.clock, FETCH_TIMEOUT_MS + 100, loading);
      if (!set) throw new Error("the issuer's JWKS did not answer in time");
      this.sets.set(issuer.name, set);
      return set;
    } catch (error) {
      // The issuer is unreachable: the keys it gave last keep working until it answers again.
      if (known) return known;
      throw error;
    }
  }

  private async fetchSet(issuer: JwtIssuer): Promise<KeySet> {
    this.fetches += 1;
    const controller = new AbortController();
    const response = await within(
      this.clock,
      FETCH_TIMEOUT_MS,
      this.fetcher(issuer.jwksUrl as string, {
        headers: { accept: "application/json" },
        signal: controller.signal,
      }),
    );
    if (!response) {
      controller.abort();
      throw new Error("the issuer's JWKS did not answer in time");
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`the issuer's JWKS answered ${response.status}`);
    }
    const jwks = (await response.json()) as JSONWebKeySet;
    const fetchedAt = this.clock.now();
    return { get: createLocalJWKSet(jwks), fetchedAt, expiresAt: fetchedAt + ttlOf(response.headers) };
  }
}

/** How long a JWKS may be kept: its max-age, between a minute and an hour; ten minutes without one. */
function ttlOf(headers: Headers): number {
  const cc = headers.get("cache-control") ?? "";
  if (/no-store|no-cache/i.test(cc)) return MIN_TTL_MS;
  const match = /max-age=(\d+)/i.exec(cc);
  if (!match) return DEFAULT_TTL_MS;
  return Math.min(MAX_TTL_MS, Math.max(MIN_TTL_MS, Number(match[1]) * 1000));
}

function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "the token has expired";
  if (error instanceof errors.JWTClaimValidationFailed)
    return `the token's ${error.claim} claim is not accepted`;
  if (error instanceof errors.JOSEAlgNotAllowed) return "the token's algorithm is not accepted";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "the token's signature is not valid";
  if (error instanceof errors.JWKSNoMatchingKey) return "the token's key is not one the issuer publishes";
  if (error instanceof errors.JOSEError) return "the token is not valid";
  return "the token could not be verified";
}
