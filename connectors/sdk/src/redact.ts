/**
 * Removes secrets from text that may reach a log, an error or an answer.
 * Both the known secret values and any `user:password@` in a URL are masked.
 */
export const MASK = '*****';

export function redact(text: string, secrets: readonly (string | null | undefined)[] = []): string {
  let out = text;
  // Known values first, longest first: the URL pattern below could cut one in two (a password holding '@').
  const known = secrets.filter((s): s is string => !!s && s.length >= 3); // short values (an empty password) would mask unrelated text
  for (const secret of [...known].sort((a, b) => b.length - a.length)) out = out.split(secret).join(MASK);
  return out.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):([^@/\s]*)@/gi, `$1:${MASK}@`);
}

/**
 * Where the password of one connection URL sits, however malformed the URL: after the scheme
 * (`engine://`, `engine:/`, `engine:`), between the first ':' of the user info and the last '@'
 * (a host never holds '@'; a password may hold '/', '@', ':', '#', '?', '%' and spaces).
 * Errs towards masking too much, never too little.
 */
function passwordSpan(url: string): { start: number; end: number } | null {
  const scheme = /^[a-z][a-z0-9+.-]*:\/*/i.exec(url);
  if (!scheme) return null;
  const at = url.lastIndexOf('@');
  if (at < scheme[0].length) return null;
  const colon = url.indexOf(':', scheme[0].length);
  if (colon < 0 || colon > at) return null;
  return { start: colon + 1, end: at };
}

/** The password of a connection URL (as written, percent-encoding kept), or null. */
export function urlPassword(url: string): string | null {
  const span = passwordSpan(url);
  return span && span.end > span.start ? url.slice(span.start, span.end) : null;
}

/** The URL with its password masked (`user:*****@host`), or removed with `mask: ''` (`user@host`). */
export function redactUrl(url: string, mask = MASK): string {
  const span = passwordSpan(url);
  if (!span || span.end === span.start) return url;
  return mask ? url.slice(0, span.start) + mask + url.slice(span.end) : url.slice(0, span.start - 1) + url.slice(span.end);
}
