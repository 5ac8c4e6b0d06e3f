// `npm run bench [-- --quick] [-- --json]`: aya in workerd against a pass-through Worker, with
// local origins on 127.0.0.1 and autocannon as the load. Prints a table, writes it to
// docs/BENCHMARKS.md, and with --json prints one line of JSON last. Figures are medians of
// three runs (one in --quick) with their spread.
import { writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { startFakeOpenAi } from "./fake-openai.ts";
import { type LoadResult, load, summarise } from "./load.ts";
import { type Origins, startOrigins } from "./origins.ts";
import {
  ADMIN_TOKEN,
  buildWorker,
  type RunningWorker,
  startAya,
  startPassThrough,
  versions,
} from "./runtime.ts";

const quick = process.argv.includes("--quick");
const asJson = process.argv.includes("--json");
const RUNS = quick ? 1 : 3;
const SECONDS = quick ? 2 : 4;
const SHORT = quick ? 2 : 3;
const CONNECTIONS = 32;

type Stat = { median: number; min: number; max: number };
const lines: string[] = [];
const log = (line = "") => {
  lines.push(line);
  if (!asJson) console.log(line);
};

async function repeat(run: () => Promise<LoadResult>): Promise<LoadResult[]> {
  const out: LoadResult[] = [];
  for (let i = 0; i < RUNS; i++) out.push(await run());
  return out;
}

const stat = (results: LoadResult[], pick: (r: LoadResult) => number): Stat => summarise(results.map(pick));
const fmt = (s: Stat, digits = 0) =>
  RUNS > 1
    ? `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`
    : s.median.toFixed(digits);

function pool(
  strategy: string,
  backends: { id: string; url: string }[],
  extra: Record<string, unknown> = {},
) {
  return { strategy, backends, healthCheck: { enabled: false }, ...extra };
}

async function withAya<T>(
  script: string,
  gateway: unknown,
  body: (w: RunningWorker) => Promise<T>,
): Promise<T> {
  const worker = await startAya(script, gateway);
  try {
    return await body(worker);
  } finally {
    await worker.stop();
  }
}

async function isolateCounters(url: string): Promise<{ requests: number; doCalls: number } | undefined> {
  const res = await fetch(`${url}/__aya/status`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  if (!res.ok) return undefined;
  return ((await res.json()) as { isolate?: { requests: number; doCalls: number } }).isolate;
}

async function overhead(script: string, origins: Origins) {
  const origin = await origins.add("bench-origin");
  const direct = await repeat(() => load(`${origin}/x`, SECONDS, CONNECTIONS));
  const baseline = await startPassThrough(origin);
  const base = await repeat(() => load(`${baseline.url}/x`, SECONDS, CONNECTIONS));
  await baseline.stop();
  const gateway = {
    pools: { p: pool("least-response-time", [{ id: "o1", url: origin }]) },
    routes: [
      { path: "/static", respond: { status: 200, body: "ok" } },
      { path: "/*", pool: "p" },
    ],
  };
  return withAya(script, gateway, async (w) => {
    await load(`${w.url}/x`, 1, CONNECTIONS); // warm-up: cold isolate, first snapshots
    const before = await isolateCounters(w.url);
    const aya = await repeat(() => load(`${w.url}/x`, SECONDS, CONNECTIONS));
    const after = await isolateCounters(w.url);
    const respond = await repeat(() => load(`${w.url}/static`, SECONDS, CONNECTIONS));
    const doCallsPerRequest =
      before && after && after.requests > before.requests
        ? (after.doCalls - before.doCalls) / (after.requests - before.requests)
        : null;
    return { direct, base, aya, respond, doCallsPerRequest };
  });
}

async function slowBackend(script: string, origins: Origins, strategy: string) {
  const ids = [`slow-${strategy}-1`, `slow-${strategy}-2`, `slow-${strategy}-3`];
  const backends = [];
  for (const id of ids) backends.push({ id, url: await origins.add(id) });
  await origins.mode(ids[2] as string, "delay:50");
  const results = await withAya(
    script,
    { pools: { p: pool(strategy, backends) }, routes: [{ path: "/*", pool: "p" }] },
    async (w) => {
      await load(`${w.url}/x`, 1, CONNECTIONS);
      for (const id of ids) await origins.reset(id);
      return repeat(() => load(`${w.url}/x`, SHORT, CONNECTIONS));
    },
  );
  const hits = await Promise.all(ids.map((id) => origins.hits(id)));
  const total = hits.reduce((a, b) => a + b, 0);
  return { results, slowShare: total ? (hits[2] as number) / total : 0 };
}

async function failingBackend(script: string, origins: Origins, strategy: string, fault: "refuse" | "503") {
  const ids = [`fail-${strategy}-${fault}-1`, `fail-${strategy}-${fault}-2`, `fail-${strategy}-${fault}-3`];
  const backends = [];
  for (const id of ids) backends.push({ id, url: await origins.add(id) });
  if (fault === "refuse") await origins.stop(ids[0] as string);
  else await origins.mode(ids[0] as string, "status:503");
  return withAya(
    script,
    { pools: { p: pool(strategy, backends) }, routes: [{ path: "/*", pool: "p" }] },
    (w) => repeat(() => load(`${w.url}/x`, SHORT, CONNECTIONS)),
  );
}

async function cache(script: string, origins: Origins) {
  const url = await origins.add("cache-origin");
  const gateway = {
    pools: { p: pool("round-robin", [{ id: "c1", url }]) },
    routes: [
      { path: "/cached/*", pool: "p", cache: { ttlSeconds: 300 } },
      { path: "/*", pool: "p" },
    ],
  };
  return withAya(script, gateway, async (w) => {
    await fetch(`${w.url}/cached/item`).then((r) => r.arrayBuffer());
    const hit = await repeat(() => load(`${w.url}/cached/item`, SECONDS, CONNECTIONS));
    const miss = await repeat(() => load(`${w.url}/uncached/item`, SECONDS, CONNECTIONS));
    return { hit, miss };
  });
}

async function ai(script: string) {
  const provider = await startFakeOpenAi();
  try {
    const body = JSON.stringify({ model: "chat", messages: [{ role: "user", content: "hi" }] });
    const headers = { "content-type": "application/json" };
    const direct = await repeat(() =>
      load(`${provider.url}/v1/chat/completions`, SHORT, 8, headers, "POST", body.replace('"chat"', '"m"')),
    );
    const gateway = {
      providers: { fake: { type: "openai-compatible", baseUrl: `${provider.url}/v1` } },
      models: { chat: { targets: [{ provider: "fake", model: "m" }] } },
      routes: [{ path: "/v1/*", ai: true }],
    };
    return await withAya(script, gateway, async (w) => {
      const probe = await fetch(`${w.url}/v1/chat/completions`, { method: "POST", headers, body });
      if (!probe.ok) return { note: `AI route answered ${probe.status}; not measured` };
      await probe.arrayBuffer();
      const through = await repeat(() =>
        load(`${w.url}/v1/chat/completions`, SHORT, 8, headers, "POST", body),
      );
      const ttfb: number[] = [];
      for (let i = 0; i < 20; i++) {
        const started = performance.now();
        const res = await fetch(`${w.url}/v1/chat/completions`, {
          method: "POST",
          headers,
          body: JSON.stringify({ model: "chat", stream: true, messages: [{ role: "user", content: "hi" }] }),
        });
        const reader = res.body?.getReader();
        await reader?.read();
        ttfb.push(performance.now() - started);
        await reader?.cancel();
      }
      return { direct, through, ttfb: summarise(ttfb) };
    });
  } finally {
    await provider.close();
  }
}

async function main() {
  const started = Date.now();
  const script = buildWorker();
  const origins = await startOrigins();
  try {
    const o = await overhead(script, origins);
    const ayaRps = stat(o.aya, (r) => r.rps);
    const baseRps = stat(o.base, (r) => r.rps);
    const overheadJson = {
      ratio: ayaRps.median / baseRps.median,
      ayaRps: ayaRps.median,
      baselineRps: baseRps.median,
      ayaP50Ms: stat(o.aya, (r) => r.p50Ms).median,
      ayaP99Ms: stat(o.aya, (r) => r.p99Ms).median,
      baselineP50Ms: stat(o.base, (r) => r.p50Ms).median,
      baselineP99Ms: stat(o.base, (r) => r.p99Ms).median,
      originRps: stat(o.direct, (r) => r.rps).median,
      respondRps: stat(o.respond, (r) => r.rps).median,
    };

    const strategies = ["round-robin", "least-connections", "least-response-time"];
    const slow: Record<string, { p50Ms: number; p99Ms: number; slowShare: number }> = {};
    const slowRows: string[] = [];
    for (const s of strategies) {
      const r = await slowBackend(script, origins, s);
      slow[s] = {
        p50Ms: stat(r.results, (x) => x.p50Ms).median,
        p99Ms: stat(r.results, (x) => x.p99Ms).median,
        slowShare: r.slowShare,
      };
      slowRows.push(
        `| ${s} | ${fmt(stat(r.results, (x) => x.p50Ms))} | ${fmt(stat(r.results, (x) => x.p99Ms))} | ${(r.slowShare * 100).toFixed(1)}% |`,
      );
    }

    const failing: Record<
      string,
      { errorRate: number; refuseErrorRate: number; status503ErrorRate: number }
    > = {};
    const failRows: string[] = [];
    for (const s of strategies) {
      const rate = (rs: LoadResult[]) => {
        const total = rs.reduce((a, r) => a + r.requests, 0);
        const bad = rs.reduce((a, r) => a + r.non2xx + r.errors, 0);
        return total ? bad / total : 0;
      };
      const refuse = rate(await failingBackend(script, origins, s, "refuse"));
      const s503 = rate(await failingBackend(script, origins, s, "503"));
      failing[s] = { errorRate: Math.max(refuse, s503), refuseErrorRate: refuse, status503ErrorRate: s503 };
      failRows.push(`| ${s} | ${(refuse * 100).toFixed(3)}% | ${(s503 * 100).toFixed(3)}% |`);
    }

    const c = await cache(script, origins);
    const cacheJson = {
      hitRps: stat(c.hit, (r) => r.rps).median,
      missRps: stat(c.miss, (r) => r.rps).median,
    };

    const a = await ai(script);
    const aiJson =
      "direct" in a && a.direct && a.through
        ? {
            addedLatencyMs: stat(a.through, (r) => r.p50Ms).median - stat(a.direct, (r) => r.p50Ms).median,
            streamTtfbMs: a.ttfb.median,
          }
        : { addedLatencyMs: null, streamTtfbMs: null, note: "note" in a ? a.note : "not measured" };

    const cpu = cpus()[0]?.model ?? "unknown cpu";
    const v = versions();
    log("# aya benchmarks");
    log();
    log(
      `Machine: ${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB. Node ${v.node}, workerd ${v.workerd}, wrangler ${v.wrangler}, miniflare ${v.miniflare}.`,
    );
    log(
      `Command: \`npm run bench${quick ? " -- --quick" : ""}\`, ${new Date().toISOString().slice(0, 10)}. ${RUNS} run(s) per figure, ${CONNECTIONS} connections; medians with (min–max).`,
    );
    log(
      "Everything (load generator, workerd, origins) shares the same 2 cores, so absolute numbers are low; ratios are the point.",
    );
    log();
    log("## Overhead: aya against a pass-through Worker, one origin");
    log();
    log("| | req/s | p50 ms | p99 ms |");
    log("|---|---|---|---|");
    log(
      `| origin alone (no Worker) | ${fmt(stat(o.direct, (r) => r.rps))} | ${fmt(stat(o.direct, (r) => r.p50Ms))} | ${fmt(stat(o.direct, (r) => r.p99Ms))} |`,
    );
    log(
      `| pass-through Worker | ${fmt(baseRps)} | ${fmt(stat(o.base, (r) => r.p50Ms))} | ${fmt(stat(o.base, (r) => r.p99Ms))} |`,
    );
    log(
      `| aya, one-pool route (least-response-time) | ${fmt(ayaRps)} | ${fmt(stat(o.aya, (r) => r.p50Ms))} | ${fmt(stat(o.aya, (r) => r.p99Ms))} |`,
    );
    log(
      `| aya, respond route (no upstream: Hono + config + routing) | ${fmt(stat(o.respond, (r) => r.rps))} | ${fmt(stat(o.respond, (r) => r.p50Ms))} | ${fmt(stat(o.respond, (r) => r.p99Ms))} |`,
    );
    log();
    log(
      `Overhead ratio aya / pass-through: **${overheadJson.ratio.toFixed(2)}**. Durable Object calls per request at steady state: **${o.doCallsPerRequest === null ? "n/a" : o.doCallsPerRequest.toFixed(4)}**.`,
    );
    log();
    log("## One slow backend of three (+50 ms)");
    log();
    log("| strategy | p50 ms | p99 ms | share sent to the slow one |");
    log("|---|---|---|---|");
    for (const row of slowRows) log(row);
    log();
    log("## One failing backend of three: client-visible error rate, GET, default retries");
    log();
    log("| strategy | refuses connections | answers 503 |");
    log("|---|---|---|");
    for (const row of failRows) log(row);
    log();
    log("## Cache");
    log();
    log(
      `HIT: ${fmt(stat(c.hit, (r) => r.rps))} req/s; MISS (same origin, no cache): ${fmt(stat(c.miss, (r) => r.rps))} req/s.`,
    );
    log();
    log("## AI path");
    log();
    log(
      aiJson.addedLatencyMs === null
        ? `Not measured: ${"note" in aiJson ? aiJson.note : ""}`
        : `Non-streaming chat completion, p50 added by aya over calling the fake provider directly: ${aiJson.addedLatencyMs?.toFixed(1)} ms. Streaming time to first byte through aya: ${aiJson.streamTtfbMs?.toFixed(1)} ms (median of 20).`,
    );
    log();
    log(`Whole run: ${((Date.now() - started) / 1000).toFixed(0)} s.`);

    writeFileSync("docs/BENCHMARKS.md", `${lines.join("\n")}\n`);
    if (asJson) {
      console.log(
        JSON.stringify({
          overhead: overheadJson,
          doCallsPerRequest: o.doCallsPerRequest,
          slowBackend: slow,
          failingBackend: failing,
          cache: cacheJson,
          ai: aiJson,
        }),
      );
    }
  } finally {
    await origins.close();
  }
}

await main();
