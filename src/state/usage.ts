// AI token usage per model, counted in isolates, batched to BackendState and summed there.
// Model names may come from requests (the AI handler counts unconfigured ones under one bucket,
// so they cannot grow a table), and a table is sent over RPC, so it stays a plain object; but an
// entry is only ever read as an own property and added with defineProperty, so a name such as
// "__proto__" is an entry like any other and never reaches Object.prototype.
export interface ModelUsage {
  promptTokens: number;
  completionTokens: number;
  requests: number;
}

export type UsageByModel = Record<string, ModelUsage>;

export function addUsage(target: UsageByModel, model: string, delta: ModelUsage): void {
  let total = Object.hasOwn(target, model) ? target[model] : undefined;
  if (!total) {
    total = { promptTokens: 0, completionTokens: 0, requests: 0 };
    // defineProperty, not assignment: assigning to "__proto__" would set the prototype.
    Object.defineProperty(target, model, {
      value: total,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  total.promptTokens += delta.promptTokens;
  total.completionTokens += delta.completionTokens;
  total.requests += delta.requests;
}
