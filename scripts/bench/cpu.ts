// CPU time of the processes that share the machine during a load run (the load generator, the
// workerd under test, the origins), read from /proc on Linux. It says where the cores go: a
// process at ~100% of one core is the bottleneck, and CPU microseconds per request are what a
// Worker costs, independently of how fast the load generator can push.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Fields of /proc/PID/stat after the command name (which may itself hold spaces). */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** User + system CPU time of a process, all threads, in ms; undefined off Linux or once it exited. */
export function cpuMs(pid: number): number | undefined {
  const fields = statFields(pid);
  if (!fields) return undefined;
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / clockTicks();
}

/** Children of this process running the given executable (Miniflare spawns workerd directly). */
export function childPids(command: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return entries.map(Number).filter((pid) => {
    try {
      const text = readFileSync(`/proc/${pid}/stat`, "utf8");
      const name = text.slice(text.indexOf("(") + 1, text.lastIndexOf(")"));
      return name === command && statFields(pid)?.[1] === String(process.pid);
    } catch {
      return false;
    }
  });
}

/** The named processes' CPU use over an interval, per process: ms of CPU. */
export type CpuUse = Record<string, number>;

export function cpuMeter(pids: Record<string, number | undefined>): () => CpuUse {
  const start = Object.entries(pids).map(([name, pid]) => [name, pid, pid ? cpuMs(pid) : undefined] as const);
  return () => {
    const use: CpuUse = {};
    for (const [name, pid, before] of start) {
      const after = pid ? cpuMs(pid) : undefined;
      if (before !== undefined && after !== undefined) use[name] = after - before;
    }
    return use;
  };
}
