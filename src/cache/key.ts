// Cache keys. GET and HEAD share an entry; the URL part is the path after the route's rewrite
// with the query sorted (so ?a=1&b=2 and ?b=2&a=1 are one entry); varyHeaders values make
// variants. The readable path stays at the front of the KV key so that purge can list by prefix.
const KV_KEY_MAX = 512;

export const KEY_PREFIX = "c:";

export function normalisedUrl(path: string, search: string): string {
  if (!search || search === "?") return path;
  const params = [...new URLSearchParams(search)].sort(([a, av], [b, bv]) =>
    a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1,
  );
  return `${path}?${new URLSearchParams(params).toString()}`;
}

export async function cacheKey(
  url: string,
  varyHeaders: readonly string[],
  headers: Headers,
): Promise<string> {
  let key = `${KEY_PREFIX}${url}`;
  if (varyHeaders.length > 0) {
    const values = varyHeaders.map((name) => `${name.toLowerCase()}=${headers.get(name) ?? ""}`).join("\n");
    key += `#v=${(await sha256(values)).slice(0, 16)}`;
  }
  if (new TextEncoder().encode(key).byteLength > KV_KEY_MAX) {
    key = `${KEY_PREFIX}${url.slice(0, 300)}#h=${await sha256(key)}`;
  }
  return key;
}

export async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
