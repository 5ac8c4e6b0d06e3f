// AI token usage per model, counted in isolates, batched to BackendState and summed there.
export interface ModelUsage {
  promptTokens: number;
  completionTokens: number;
  requests: number;
}

export type UsageByModel = Record<string, ModelUsage>;

export function addUsage(target: UsageByModel, model: string, delta: ModelUsage): void {
  let total = target[model];
  if (!total) {
    total = { promptTokens: 0, completionTokens: 0, requests: 0 };
    target[model] = total;
  }
  total.promptTokens += delta.promptTokens;
  total.completionTokens += delta.completionTokens;
  total.requests += delta.requests;
}
