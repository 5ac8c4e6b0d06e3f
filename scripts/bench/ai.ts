// Scenario 6: the AI path. One request at a time (latency, not throughput), taking turns between
// the fake provider called directly, through a pass-through Worker (what workerd itself adds) and
// through aya's OpenAI-compatible route, so all three see the same machine: the added latency of
// a non-streaming chat completion, and for a streamed one the time to the first event and to the
// end on each path.
import type { Bench } from "./common.ts";
import { startFakeOpenAi } from "./fake-openai.ts";
import { repeat, summarise } from "./load.ts";
import { startAya, startPassThrough } from "./runtime.ts";

export type Path = "direct" | "passThrough" | "aya";

/** Per path, the median of one run's requests. */
export interface AiRun {
  latencyMs: Record<Path, number>;
  ttfbMs: Record<Path, number>;
  totalMs: Record<Path, number>;
}

export type AiResult = { runs: AiRun[] } | { note: string };

const HEADERS = { "content-type": "application/json" };
const chat = (model: string, stream: boolean) =>
  JSON.stringify({ model, stream, messages: [{ role: "user", content: "hi" }] });

async function timeJson(url: string, body: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(url, { method: "POST", headers: HEADERS, body });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return performance.now() - started;
}

/** Time to the first non-empty body chunk and to the end of a streamed completion. */
async function timeStream(url: string, body: string): Promise<{ ttfbMs: number; totalMs: number }> {
  const started = performance.now();
  const res = await fetch(url, { method: "POST", headers: HEADERS, body });
  if (!res.ok || !res.body) throw new Error(`${url} answered ${res.status}`);
  const decoder = new TextDecoder();
  let ttfbMs: number | undefined;
  let text = "";
  const reader = res.body.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    if (ttfbMs === undefined && next.value.byteLength > 0) ttfbMs = performance.now() - started;
    text += decoder.decode(next.value, { stream: true });
  }
  if (!text.includes("data: [DONE]")) throw new Error(`${url}: the stream ended without [DONE]`);
  return { ttfbMs: ttfbMs ?? Number.NaN, totalMs: performance.now() - started };
}

/** n requests on each path, taking turns, so that every path sees the same moment of the machine. */
async function takeTurns<T>(n: number, paths: Record<Path, () => Promise<T>>): Promise<Record<Path, T[]>> {
  const out: Record<Path, T[]> = { direct: [], passThrough: [], aya: [] };
  for (let i = 0; i < n; i++) {
    for (const path of Object.keys(out) as Path[]) out[path].push(await paths[path]());
  }
  return out;
}

const medians = <T>(byPath: Record<Path, T[]>, pick: (x: T) => number): Record<Path, number> => ({
  direct: summarise(byPath.direct.map(pick)).median,
  passThrough: summarise(byPath.passThrough.map(pick)).median,
  aya: summarise(byPath.aya.map(pick)).median,
});

async function measureRun(urls: Record<Path, string>, quick: boolean): Promise<AiRun> {
  const model = (path: Path) => (path === "aya" ? "chat" : "m");
  const on = <T>(f: (url: string, body: string) => Promise<T>, stream: boolean) => ({
    direct: () => f(urls.direct, chat(model("direct"), stream)),
    passThrough: () => f(urls.passThrough, chat(model("passThrough"), stream)),
    aya: () => f(urls.aya, chat(model("aya"), stream)),
  });
  const json = await takeTurns(quick ? 30 : 60, on(timeJson, false));
  const streams = await takeTurns(quick ? 5 : 7, on(timeStream, true));
  return {
    latencyMs: medians(json, (x) => x),
    ttfbMs: medians(streams, (x) => x.ttfbMs),
    totalMs: medians(streams, (x) => x.totalMs),
  };
}

export async function ai(bench: Bench): Promise<AiResult> {
  const provider = await startFakeOpenAi();
  const gateway = {
    providers: { fake: { type: "openai-compatible", baseUrl: `${provider.url}/v1` } },
    models: { chat: { targets: [{ provider: "fake", model: "m" }] } },
    routes: [{ path: "/v1/*", ai: true }],
  };
  const passThrough = await startPassThrough(provider.url);
  const aya = await startAya(bench.script, gateway);
  try {
    const path = "/v1/chat/completions";
    const urls = { direct: provider.url + path, passThrough: passThrough.url + path, aya: aya.url + path };
    const probe = await fetch(urls.aya, { method: "POST", headers: HEADERS, body: chat("chat", false) });
    const probeText = await probe.text();
    if (!probe.ok) return { note: `the AI route answered ${probe.status}: ${probeText.slice(0, 200)}` };
    await measureRun(urls, true); // warm-up: JIT, connections, the first state snapshot
    const runs = await repeat(bench.plan.runs, (i) => {
      bench.progress(`AI path: run ${i + 1}/${bench.plan.runs}`);
      return measureRun(urls, bench.plan.quick);
    });
    return { runs };
  } catch (error) {
    return { note: `the AI path failed: ${String(error)}` };
  } finally {
    await aya.stop();
    await passThrough.stop();
    await provider.close();
  }
}
