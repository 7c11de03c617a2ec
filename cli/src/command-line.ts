// Loaded before anything else (see hide-secrets.ts): depends on nothing but the redaction module.
import { redactUrl, urlPassword } from '@sluice/connector-sdk/dist/redact';

/** A query parameter that holds a secret (`?password=…`). */
const SECRET_PARAM = /([?&](?:password|passwd|pwd|pass|secret|sslpassword)=)[^&#\s]*/gi;

/** One argument with any password masked: a URL, or `--option=URL`. */
export function redactArg(arg: string): string {
  const eq = /^(--?[\w-]+=)(.*)$/s.exec(arg);
  if (eq) return eq[1] + redactArg(eq[2]!);
  return redactUrl(arg).replace(SECRET_PARAM, '$1*****');
}

/** Whether an argument holds a password (URL user info or a secret query parameter). */
export function hasSecret(arg: string): boolean {
  return redactArg(arg) !== arg || !!urlPassword(arg);
}

export const PASSWORD_ON_COMMAND_LINE =
  'sluice: warning: a password on the command line is visible to other local users (ps, /proc) until sluice hides it at start; ' +
  'give the URL without one and set SLUICE_SOURCE_PASSWORD / SLUICE_DESTINATION_PASSWORD or --source-password-file / --destination-password-file instead\n';

/** The process title for `argv` (node, script, args…) with passwords masked, or null when it holds none. */
export function safeTitle(argv: readonly string[]): string | null {
  const args = argv.slice(2);
  return args.some(hasSecret) ? ['sluice', ...args.map(redactArg)].join(' ') : null;
}

/**
 * Rewrites the process title (what `ps` and /proc/<pid>/cmdline show) without the passwords of
 * its arguments, and warns once on stderr when there were any. `process.argv` keeps them: the
 * command needs them. Returns whether a password was found.
 */
export function hideCommandLineSecrets(argv: readonly string[] = process.argv, warn: (line: string) => void = (l) => process.stderr.write(l)): boolean {
  const title = safeTitle(argv);
  if (title === null) return false;
  process.title = title;
  warn(PASSWORD_ON_COMMAND_LINE);
  return true;
}
