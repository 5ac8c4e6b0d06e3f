// Runs in Node before the workerd tests: starts the origin farm, the fake AI providers, a fake JWT
// issuer and a webhook receiver on 127.0.0.1 and hands their ports to the tests
// (`inject("farmPort")`, `inject("providerPort")`, `inject("issuerPort")`, `inject("webhookPort")`).
import type { TestProject } from "vitest/node";
import { OriginFarm } from "../../scripts/lib/farm.ts";
import { FakeIssuer } from "../../scripts/lib/issuer.ts";
import { ProviderFarm } from "../../scripts/lib/providers.ts";
import { WebhookSink } from "../../scripts/lib/webhooks.ts";

export default async function setup(project: TestProject) {
  const farm = new OriginFarm();
  const providers = new ProviderFarm();
  const issuer = new FakeIssuer();
  const webhooks = new WebhookSink();
  project.provide("farmPort", await farm.listen());
  project.provide("providerPort", await providers.listen());
  project.provide("issuerPort", await issuer.listen());
  project.provide("webhookPort", await webhooks.listen());
  return async () => {
    await farm.close();
    await providers.close();
    await issuer.close();
    await webhooks.close();
  };
}
