// The dashboard's session: after the admin token was given once (a form POST), a cookie that
// says "signed in until T", signed with HMAC-SHA256 keyed from ADMIN_TOKEN, so that changing the
// token ends every session and nothing is stored server-side. Checked with WebCrypto's verify
// (constant time). The cookie is HttpOnly (no script reads it), Secure, SameSite=Strict (no other
// site can make the browser send it) and scoped to the dashboard's path.

export const SESSION_COOKIE = "aya_dashboard";
export const SESSION_PATH = "/__aya/dashboard";
/** A session lasts a working day; then the token is asked for again. */
export const SESSION_SECONDS = 12 * 60 * 60;

const encoder = new TextEncoder();

/** The session key: HMAC over a purpose label, keyed by the admin token (never the token itself). */
async function sessionKey(adminToken: string): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey(
    "raw",
    encoder.encode(adminToken),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const derived = await crypto.subtle.sign("HMAC", base, encoder.encode("aya dashboard session key v1"));
  return crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

const message = (expires: number) => encoder.encode(`session:${expires}`);

function base64url(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(text)) return undefined;
  try {
    const raw = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** A signed session value that expires SESSION_SECONDS after `now` (ms). */
export async function newSession(adminToken: string, now: number): Promise<string> {
  const expires = Math.floor(now / 1000) + SESSION_SECONDS;
  const mac = await crypto.subtle.sign("HMAC", await sessionKey(adminToken), message(expires));
  return `${expires}.${base64url(new Uint8Array(mac))}`;
}

/** Whether a cookie value is a session this token signed and that has not expired. */
export async function validSession(
  value: string | undefined,
  adminToken: string,
  now: number,
): Promise<boolean> {
  if (!value || !adminToken) return false;
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]+)$/.exec(value);
  if (!match) return false;
  const expires = Number(match[1]);
  const seconds = now / 1000;
  // Expired, or further ahead than any session this gateway makes: not one of ours.
  if (expires <= seconds || expires > seconds + SESSION_SECONDS + 60) return false;
  const mac = fromBase64url(match[2] as string);
  if (!mac) return false;
  return crypto.subtle.verify("HMAC", await sessionKey(adminToken), mac, message(expires));
}

export function sessionCookie(value: string): string {
  return `${SESSION_COOKIE}=${value}; Path=${SESSION_PATH}; Max-Age=${SESSION_SECONDS}; HttpOnly; Secure; SameSite=Strict`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=${SESSION_PATH}; Max-Age=0; HttpOnly; Secure; SameSite=Strict`;
}
