// Which workerd reports are noise: the info-level "uncaught exception" workerd prints for every
// failed outgoing fetch (a lost connection, an answer that is not HTTP), even one the Worker
// caught (see quiet-workerd.ts, which drops them).

/** One info-level workerd report of a network failure: its lines, each of one of these kinds. */
const FAILURE = String.raw`(Network connection lost\.|internal error; reference = \w+)`;
const NOISE = [
  new RegExp(String.raw`^uncaught exception; source = Uncaught \(in promise\); stack = Error: ${FAILURE}$`),
  new RegExp(
    String.raw`^uncaught exception; exception = \S+: (disconnected|failed): jsg\.Error: ${FAILURE}$`,
  ),
  /^exception = \S+: disconnected: .*$/,
  // An answer that is not HTTP (the origin farm's "garbage" mode): the parser's report.
  /^e = kj\/compat\/http\.c\+\+:\d+: failed: protocolError\.description = .*$/,
  /^stack:( \S+@[0-9a-f]+)*(; sentryErrorContext = \w+; wdErrId = \w+)?$/,
];

export function isWorkerdNetworkNoise(text: string): boolean {
  const lines = text.split("\n").filter((line) => line !== "");
  return lines.length > 0 && lines.every((line) => NOISE.some((pattern) => pattern.test(line)));
}
