// Values global-setup.ts hands to the tests through vitest's provide/inject.
declare module "vitest" {
  export interface ProvidedContext {
    farmPort: number;
    providerPort: number;
    webhookPort: number;
    issuerPort: number;
  }
}

export {};
