// The credential a client presented, from the configured key headers (`auth.keyHeaders`):
// `Authorization: Bearer <credential>`, or the raw value of any other header (`x-api-key`, as the
// Anthropic SDK sends it). The first header present wins. A credential of three base64url parts
// is a JWT; anything else is a key.
export interface Presented {
  /** The header it came in: consumed by aya, never forwarded. */
  header: string;
  value: string;
  kind: "key" | "jwt";
}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** Longer than any key or sane token: a larger value is not looked up at all. */
const MAX_CREDENTIAL = 8192;

export function presentedCredential(headers: Headers, keyHeaders: readonly string[]): Presented | undefined {
  for (const header of keyHeaders) {
    const raw = headers.get(header);
    if (raw === null) continue;
    let value = raw.trim();
    if (header === "authorization") {
      const match = /^Bearer\s+(\S+)$/i.exec(value);
      if (!match) continue;
      value = match[1] as string;
    }
    if (value === "" || value.length > MAX_CREDENTIAL) continue;
    return { header, value, kind: JWT.test(value) ? "jwt" : "key" };
  }
  return undefined;
}
