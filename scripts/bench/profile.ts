// A V8 CPU profile of the Worker's isolate in workerd, taken through its inspector (the DevTools
// protocol, as `node --cpu-prof` would), and attributed to the source modules of the bundle: the
// unminified wrangler bundle marks where each module starts with a `// src/…` or
// `// node_modules/…` comment line, so a sample's line number says which module it ran in.
import { readFileSync } from "node:fs";
import WebSocket from "ws";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** Records a CPU profile of the inspected isolate while `during` runs. */
export async function profile(inspector: string, during: () => Promise<unknown>): Promise<CpuProfile> {
  const ws = new WebSocket(inspector);
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  // workerd answers a command with a message carrying its id (not always with a `result`).
  const pending = new Map<number, (message: { result?: unknown; error?: unknown }) => void>();
  ws.on("message", (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: unknown };
    if (message.id === undefined) return;
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  });
  let next = 0;
  const send = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = ++next;
      const timer = setTimeout(() => reject(new Error(`inspector: no answer to ${method}`)), 30_000);
      pending.set(id, (m) => {
        clearTimeout(timer);
        if (m.error) reject(new Error(JSON.stringify(m.error)));
        else resolve(m.result);
      });
      ws.send(JSON.stringify({ id, method, params }));
    });
  try {
    await send("Profiler.enable");
    await send("Profiler.setSamplingInterval", { interval: 200 });
    await send("Profiler.start");
    await during();
    return ((await send("Profiler.stop")) as { profile: CpuProfile }).profile;
  } finally {
    ws.close();
  }
}

/** Line index (0-based) where each bundled module starts, with a short group name for it. */
function moduleMarkers(bundle: string): { line: number; group: string }[] {
  const markers: { line: number; group: string }[] = [];
  bundle.split("\n").forEach((text, line) => {
    const m = /^\/\/ ((?:src|node_modules|durable-objects)\/\S+)$/.exec(text);
    if (m) markers.push({ line, group: groupOf(m[1] as string) });
  });
  return markers;
}

/** Our own files by path (`src/proxy/forward.ts`), dependencies by package (`hono`). */
function groupOf(path: string): string {
  if (!path.startsWith("node_modules/")) return path;
  const parts = path.split("/");
  return parts[1]?.startsWith("@") ? `${parts[1]}/${parts[2]}` : (parts[1] as string);
}

function moduleAt(markers: { line: number; group: string }[], line: number): string {
  let lo = 0;
  let hi = markers.length - 1;
  let found = "bundle preamble";
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const marker = markers[mid] as { line: number; group: string };
    if (marker.line <= line) {
      found = marker.group;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

const NATIVE: Record<string, string> = {
  "(program)": "workerd native code (no JS on the stack)",
  "(garbage collector)": "garbage collector",
  "(idle)": "(idle)",
  "(root)": "(idle)",
};
const BUILTIN_ONLY = "runtime built-ins not called from the bundle";

export interface ProfileRow {
  name: string;
  ms: number;
  share: number;
  /** The part spent in runtime built-ins (fetch, Headers, timers…) this row called directly. */
  builtinShare: number;
}

export interface ProfileSummary {
  busyMs: number;
  /** Per bundled module: its own JS plus the built-ins it calls. */
  byModule: ProfileRow[];
  /** Per function of the bundle, the same way. */
  topFunctions: ProfileRow[];
  /** Per built-in, named with the module that called it. */
  topBuiltins: ProfileRow[];
}

type Node = CpuProfile["nodes"][number];

/** Who a sample is charged to: the nearest frame of the bundle on its stack, or a native bucket. */
function owner(
  node: Node,
  parents: Map<number, Node>,
  inBundle: (f: CallFrame) => boolean,
): { frame?: CallFrame; bucket?: string; builtin?: string } {
  const frame = node.callFrame;
  if (inBundle(frame)) return { frame };
  const native = NATIVE[frame.functionName];
  if (native && !frame.url) return { bucket: native };
  for (let up = parents.get(node.id); up; up = parents.get(up.id)) {
    if (inBundle(up.callFrame)) return { frame: up.callFrame, builtin: frame.functionName || "(anonymous)" };
  }
  return { bucket: BUILTIN_ONLY };
}

class Tally {
  readonly rows = new Map<string, { ms: number; builtinMs: number }>();
  add(name: string, ms: number, builtin: boolean): void {
    const row = this.rows.get(name) ?? { ms: 0, builtinMs: 0 };
    row.ms += ms;
    if (builtin) row.builtinMs += ms;
    this.rows.set(name, row);
  }
  sorted(busyMs: number, limit = Infinity): ProfileRow[] {
    return [...this.rows]
      .map(([name, r]) => ({
        name,
        ms: r.ms,
        share: busyMs ? r.ms / busyMs : 0,
        builtinShare: busyMs ? r.builtinMs / busyMs : 0,
      }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, limit);
  }
}

/** Charges each sample (weighted by its time) to a module, a function and, for built-ins, a call site. */
export function attribute(p: CpuProfile, bundlePath: string): ProfileSummary {
  const markers = moduleMarkers(readFileSync(bundlePath, "utf8"));
  const bundleFile = bundlePath.split("/").pop() as string;
  const inBundle = (f: CallFrame) => f.url !== "" && f.url.endsWith(bundleFile);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parents = new Map<number, Node>();
  for (const n of p.nodes) for (const child of n.children ?? []) parents.set(child, n);
  const modules = new Tally();
  const functions = new Tally();
  const builtins = new Tally();
  p.samples.forEach((id, i) => {
    const ms = (p.timeDeltas[i] ?? 0) / 1000;
    const o = owner(byId.get(id) as Node, parents, inBundle);
    if (!o.frame) {
      modules.add(o.bucket as string, ms, false);
      return;
    }
    const module = moduleAt(markers, o.frame.lineNumber);
    modules.add(module, ms, o.builtin !== undefined);
    functions.add(`${o.frame.functionName || "(anonymous)"} (${module})`, ms, o.builtin !== undefined);
    if (o.builtin) builtins.add(`${o.builtin} (from ${module})`, ms, true);
  });
  modules.rows.delete("(idle)");
  const busyMs = [...modules.rows.values()].reduce((a, r) => a + r.ms, 0);
  return {
    busyMs,
    byModule: modules.sorted(busyMs),
    topFunctions: functions.sorted(busyMs, 10),
    topBuiltins: builtins.sorted(busyMs, 10),
  };
}
