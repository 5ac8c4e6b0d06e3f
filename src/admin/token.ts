// The admin token, compared in constant time: digests of both sides, so that neither the content
// nor the length of the token leaks through timing.

export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const enc = new TextEncoder();
  const [da, db] = await Promise.all([
    crypto.subtle.digest("SHA-256", enc.encode(a)),
    crypto.subtle.digest("SHA-256", enc.encode(b)),
  ]);
  return crypto.subtle.timingSafeEqual(da, db);
}

/** The configured admin token, or "" when there is none (the admin endpoints then answer 404). */
export function adminToken(env: { ADMIN_TOKEN?: unknown }): string {
  return typeof env.ADMIN_TOKEN === "string" ? env.ADMIN_TOKEN : "";
}
