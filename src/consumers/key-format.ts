// What an aya key looks like, and what is kept of it. A key is `aya_` and 40 characters of
// base62 from the platform's CSPRNG (238 bits): shown once, at creation. aya keeps only its
// SHA-256 (as hex: the record's name), its id (for operators) and a hint of its last 4
// characters. A key is found by its hash, so nothing is ever compared to a stored secret
// character by character; a client learns nothing from timing but "some key hashes to this".
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export const KEY_PREFIX = "aya_";
export const KEY_LENGTH = 40;

/** Uniform base62 from crypto.getRandomValues (rejection sampling: no modulo bias). */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    const bytes = crypto.getRandomValues(new Uint8Array(length * 2));
    for (const b of bytes) {
      if (b >= 248) continue; // 248 = 62 × 4
      out += ALPHABET[b % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export function newKey(): string {
  return `${KEY_PREFIX}${randomBase62(KEY_LENGTH)}`;
}

export function newKeyId(): string {
  return `key_${randomBase62(16)}`;
}

export function keyHint(key: string): string {
  return key.slice(-4);
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  let hex = "";
  for (const b of new Uint8Array(digest)) hex += b.toString(16).padStart(2, "0");
  return hex;
}
