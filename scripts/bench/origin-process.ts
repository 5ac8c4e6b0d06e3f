// The child process behind origins.ts: an origin farm that prints its control port.
import { OriginFarm } from "../lib/farm.ts";

const farm = new OriginFarm();
const port = await farm.listen();
process.stdout.write(`${port}\n`);
process.on("SIGTERM", () => {
  void farm.close().then(() => process.exit(0));
});
