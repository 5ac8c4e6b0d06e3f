// One adapter per provider type.
import type { ProviderConfig } from "../../config/normalize";
import { anthropic } from "./anthropic";
import { azureOpenai } from "./azure-openai";
import { gemini } from "./gemini";
import { openai } from "./openai";
import type { Adapter } from "./types";
import { workersAi } from "./workers-ai";

export const adapters: Record<ProviderConfig["type"], Adapter> = {
  openai,
  // vLLM, Ollama, Groq, Mistral…: the same wire format, but not every server takes stream_options.
  "openai-compatible": { ...openai, addsStreamUsage: false },
  "azure-openai": azureOpenai,
  anthropic,
  gemini,
  "workers-ai": workersAi,
};
