// Provider error text may echo the credential it was sent ("Incorrect API key provided: sk-…",
// often masked as "sk-abc***xyz"). Before any of it reaches a client (an error's message or
// code, a stream's final error event), every configured provider key, and anything that looks
// like one of them, is replaced.
export const REDACTED = "[redacted]";

/** Unmasked fragments shorter than this may be ordinary words that happen to be in a key. */
const MIN_FRAGMENT = 12;
/** A masked key shows a few characters at each end: those count when the mask is there too. */
const MIN_MASKED_PART = 4;
/** Runs of characters keys are made of, with the masks providers put in them. */
const KEYLIKE = /[A-Za-z0-9_\-+/=.~*…]{5,}/g;
const MASK = /[*…]+/;

export type Redactor = (text: string) => string;

/** A redactor for these key values (empty or very short values are ignored). */
export function redactor(keys: readonly string[]): Redactor {
  const secrets = keys.filter((k) => k.length >= MIN_MASKED_PART);
  if (secrets.length === 0) return (text) => text;
  const looksLikeKey = (run: string): boolean => {
    const masked = MASK.test(run);
    for (const part of run.split(MASK)) {
      if (part.length >= MIN_FRAGMENT && secrets.some((k) => k.includes(part))) return true;
      if (
        masked &&
        part.length >= MIN_MASKED_PART &&
        secrets.some((k) => k.startsWith(part) || k.endsWith(part))
      )
        return true;
    }
    return false;
  };
  return (text) => {
    let out = text;
    for (const key of secrets) out = out.split(key).join(REDACTED);
    return out.replace(KEYLIKE, (run) => {
      // A sentence's full stop after a key is not part of it.
      const word = run.replace(/\.+$/, "");
      return looksLikeKey(word) ? `${REDACTED}${run.slice(word.length)}` : run;
    });
  };
}

/** Every key the configured providers are given, read from the Worker's env. */
export function configuredKeys(
  providers: Iterable<{ apiKeySecret?: string }>,
  env: Record<string, unknown>,
): string[] {
  const keys: string[] = [];
  for (const p of providers) {
    const value = p.apiKeySecret ? env[p.apiKeySecret] : undefined;
    if (typeof value === "string" && value !== "") keys.push(value);
  }
  return keys;
}
