// `encoding_format` for embeddings. OpenAI's SDKs ask for "base64" by default (little-endian
// float32, base64-encoded) and decode it themselves; only OpenAI speaks it natively. So the
// gateway always asks providers for floats and encodes the answer itself when the client asked
// for base64: every provider then works with the SDK's default call, the same way.
import type { EmbeddingsResponse } from "./openai-types";

export type EmbeddingFormat = "float" | "base64";

export function encodeEmbeddings(result: EmbeddingsResponse, format: EmbeddingFormat): EmbeddingsResponse {
  if (format !== "base64") return result;
  return {
    ...result,
    data: result.data.map((d) => ({
      ...d,
      embedding: typeof d.embedding === "string" ? d.embedding : float32Base64(d.embedding),
    })),
  };
}

export function float32Base64(vector: readonly number[]): string {
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  vector.forEach((x, i) => {
    view.setFloat32(i * 4, x, true);
  });
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
