// Runs in Node before the workerd tests: starts the origin farm on 127.0.0.1 and hands its
// control port to the tests (`inject("farmPort")`).
import type { TestProject } from "vitest/node";
import { OriginFarm } from "../../scripts/lib/farm.ts";

export default async function setup(project: TestProject) {
  const farm = new OriginFarm();
  const port = await farm.listen();
  project.provide("farmPort", port);
  return async () => {
    await farm.close();
  };
}
