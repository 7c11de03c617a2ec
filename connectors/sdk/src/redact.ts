/**
 * Removes secrets from text that may reach a log, an error or an answer.
 * Both the known secret values and any `user:password@` in a URL are masked.
 */
export const MASK = '*****';

export function redact(text: string, secrets: readonly (string | null | undefined)[] = []): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):([^@/\s]*)@/gi, `$1:${MASK}@`);
  for (const secret of secrets) {
    // Short values (e.g. an empty password) would mask unrelated text.
    if (secret && secret.length >= 3) out = out.split(secret).join(MASK);
  }
  return out;
}
