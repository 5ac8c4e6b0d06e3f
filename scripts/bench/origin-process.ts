// The child process behind origins.ts: an origin farm that prints its control port, and exits on
// SIGTERM or as soon as its parent goes away (its stdin closes), so that no origin outlives a run.
import { OriginFarm } from "../lib/farm.ts";

const farm = new OriginFarm();
const port = await farm.listen();
process.stdout.write(`${port}\n`);

const exit = () => void farm.close().finally(() => process.exit(0));
process.on("SIGTERM", exit);
process.stdin.on("close", exit);
process.stdin.resume();
