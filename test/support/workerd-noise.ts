// Which workerd reports are noise: the info-level "uncaught exception" workerd prints for every
// failed outgoing fetch, even one the Worker caught (see quiet-workerd.ts, which drops them).

/** One info-level workerd report of a network failure: its lines, each of one of these kinds. */
const NOISE = [
  /^uncaught exception; source = Uncaught \(in promise\); stack = Error: Network connection lost\.$/,
  /^uncaught exception; exception = \S+: disconnected: jsg\.Error: Network connection lost\.$/,
  /^exception = \S+: disconnected: .*$/,
  /^stack:( \S+@[0-9a-f]+)*$/,
];

export function isWorkerdNetworkNoise(text: string): boolean {
  const lines = text.split("\n").filter((line) => line !== "");
  return lines.length > 0 && lines.every((line) => NOISE.some((pattern) => pattern.test(line)));
}
