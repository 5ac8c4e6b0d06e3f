// Runs in Node before the workerd tests: starts the origin farm and the fake AI providers on
// 127.0.0.1 and hands their control ports to the tests (`inject("farmPort")`, `inject("providerPort")`).
import type { TestProject } from "vitest/node";
import { OriginFarm } from "../../scripts/lib/farm.ts";
import { ProviderFarm } from "../../scripts/lib/providers.ts";

export default async function setup(project: TestProject) {
  const farm = new OriginFarm();
  const providers = new ProviderFarm();
  project.provide("farmPort", await farm.listen());
  project.provide("providerPort", await providers.listen());
  return async () => {
    await farm.close();
    await providers.close();
  };
}
