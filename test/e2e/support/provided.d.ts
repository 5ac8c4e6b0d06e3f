// Values test/e2e/support/global-setup.ts hands to the e2e tests through vitest's provide/inject
// (besides farmPort and providerPort, declared in test/support/provided.d.ts).
declare module "vitest" {
  export interface ProvidedContext {
    /** `wrangler dev` running the demo config, e.g. http://127.0.0.1:41234 */
    gatewayUrl: string;
    adminToken: string;
  }
}

export {};
