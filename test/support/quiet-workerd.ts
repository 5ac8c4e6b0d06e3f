// The test pool runs workerd verbosely and prints its reports on stdout (info) and stderr (an
// answer that is not HTTP is reported as an error). workerd reports every failed outgoing fetch
// that way, as an "uncaught exception" with a raw address stack, even when the Worker catches the
// error (as the gateway does for every refused or reset connection its tests provoke): about 30
// such reports per run, none of them a problem. They are dropped here. A rejection the code
// really leaves unhandled is still reported, by vitest itself ("Unhandled Rejection"), and fails
// the run. Runs in Node, in the process that starts the pool.
import { isWorkerdNetworkNoise } from "./workerd-noise.ts";

/** Drops workerd's reports of handled network failures from this process's stdout and stderr. */
export function quietWorkerdNetworkNoise(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk === "string" && isWorkerdNetworkNoise(chunk)) return true;
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
}
