// Scenario 7: what identifying the caller costs. One aya instance, one origin, three routes to the
// same pool: anonymous, a runtime key (`aya_…`, made through /__aya/keys) and a JWT (RS256, a
// public key in a secret). Paired rounds take turns over the three, so drift touches them alike;
// the figure is each round's workerd CPU per request over the anonymous route's, with a warm
// isolate (the key's record confirmed in memory, the public key imported).
import { exportSPKI, generateKeyPair, SignJWT } from "jose";
import { addBackends, type Bench, pool } from "./common.ts";
import { cpuUsPerRequest, type LoadResult, load, repeat } from "./load.ts";
import { ADMIN_TOKEN, startAya } from "./runtime.ts";

export interface IdentityRuns {
  anonymous: LoadResult[];
  key: LoadResult[];
  jwt: LoadResult[];
}

const ISSUER = "https://issuer.bench/";

export async function identity(bench: Bench): Promise<IdentityRuns> {
  const [origin] = await addBackends(bench.origins, "identity", 1);
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  const gateway = {
    auth: {
      jwt: {
        bench: {
          issuer: ISSUER,
          audience: "api://bench",
          publicKeySecret: "BENCH_PEM",
          algorithms: ["RS256"],
        },
      },
    },
    pools: { p: pool("least-response-time", [origin as { id: string; url: string }]) },
    routes: [
      { path: "/key/*", pool: "p", auth: { methods: ["key"] } },
      { path: "/jwt/*", pool: "p", auth: { methods: ["jwt:bench"] } },
      { path: "/*", pool: "p" },
    ],
  };
  const aya = await startAya(bench.script, gateway, false, { BENCH_PEM: await exportSPKI(publicKey) });
  try {
    const made = await fetch(`${aya.url}/__aya/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, accept: "text/plain" },
      body: JSON.stringify({ consumer: "bench" }),
    });
    if (made.status !== 201) throw new Error(`POST /__aya/keys answered ${made.status}`);
    const key = (await made.text()).trim();
    const token = await new SignJWT({ sub: "bench-user" })
      .setProtectedHeader({ alg: "RS256" })
      .setIssuer(ISSUER)
      .setAudience("api://bench")
      .setExpirationTime("2h")
      .sign(privateKey);
    const { seconds, connections } = bench.plan;
    const run = (path: string, credential?: string) =>
      load(`${aya.url}${path}`, {
        seconds,
        connections,
        headers: credential ? { authorization: `Bearer ${credential}` } : undefined,
        cpu: { workerd: aya.pid },
      });
    // Warm: the key's record and the public key are in the isolate before anything is measured.
    await run("/anon/x");
    await run("/key/x", key);
    await run("/jwt/x", token);
    const out: IdentityRuns = { anonymous: [], key: [], jwt: [] };
    await repeat(bench.plan.overheadRuns, async (i) => {
      bench.progress(`identity: round ${i + 1}/${bench.plan.overheadRuns}`);
      out.anonymous.push(await run("/anon/x"));
      out.key.push(await run("/key/x", key));
      out.jwt.push(await run("/jwt/x", token));
    });
    for (const r of [...out.key, ...out.jwt])
      if (r.non2xx > 0 || r.errors > 0) throw new Error("an authenticated request was refused");
    return out;
  } finally {
    await aya.stop();
  }
}

/** Per round: the route's workerd µs per request over the anonymous route's. */
export function addedUs(runs: IdentityRuns, which: "key" | "jwt"): (number | undefined)[] {
  return runs[which].map((r, i) => {
    const mine = cpuUsPerRequest(r, "workerd");
    const base = runs.anonymous[i] && cpuUsPerRequest(runs.anonymous[i] as LoadResult, "workerd");
    return mine === undefined || base === undefined ? undefined : mine - base;
  });
}
