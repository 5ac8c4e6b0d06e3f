// Azure OpenAI: the OpenAI wire format at /openai/deployments/{deployment}/…?api-version=…, with
// the key in an `api-key` header. The target's model is the deployment name.
import { openAiCompatible } from "./openai";
import type { Target } from "./types";

export const azureOpenai = openAiCompatible(
  (target: Target, path) =>
    `${target.provider.baseUrl}/openai/deployments/${encodeURIComponent(target.model)}/${path}?api-version=${encodeURIComponent(target.provider.apiVersion ?? "")}`,
  (target) => ({ ...target.provider.headers, ...(target.apiKey ? { "api-key": target.apiKey } : {}) }),
);
