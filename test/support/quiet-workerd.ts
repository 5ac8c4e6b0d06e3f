// The test pool runs workerd verbosely and prints its info-level reports on stdout. workerd reports
// every failed outgoing fetch that way, as an "uncaught exception" with a raw address stack, even
// when the Worker catches the error (as the gateway does for every refused or reset connection
// its tests provoke): about 30 such reports per run, none of them a problem. They are dropped
// here. A rejection the code really leaves unhandled is still reported, by vitest itself
// ("Unhandled Rejection"), and fails the run. Runs in Node, in the process that starts the pool.
import { isWorkerdNetworkNoise } from "./workerd-noise.ts";

/** Drops workerd's reports of handled network failures from this process's stdout. */
export function quietWorkerdNetworkNoise(): void {
  const write = process.stdout.write.bind(process.stdout) as (...args: unknown[]) => boolean;
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk === "string" && isWorkerdNetworkNoise(chunk)) return true;
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
}
