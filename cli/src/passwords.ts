import { readFileSync } from 'node:fs';
import type { ConnectionSpec } from '@sluice/client';
import { urlPassword } from '@sluice/connector-sdk';
import { UsageError } from './usage-error';

export type Side = 'source' | 'destination';

export interface PasswordOptions {
  sourcePasswordFile?: string;
  destinationPasswordFile?: string;
}

const ENV: Record<Side, string> = { source: 'SLUICE_SOURCE_PASSWORD', destination: 'SLUICE_DESTINATION_PASSWORD' };
const FLAG: Record<Side, string> = { source: '--source-password-file', destination: '--destination-password-file' };

/** The password for one side from its file (first line) or environment variable, kept off the command line. */
export function passwordFor(side: Side, o: PasswordOptions, env: NodeJS.ProcessEnv = process.env): { password: string; from: string } | undefined {
  const file = side === 'source' ? o.sourcePasswordFile : o.destinationPasswordFile;
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`${FLAG[side]} ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    return { password: text.replace(/\r?\n[\s\S]*$/, ''), from: `${FLAG[side]} ${file}` };
  }
  const value = env[ENV[side]];
  return value ? { password: value, from: ENV[side] } : undefined;
}

/**
 * The spec with the side's password put in where it has none: a URL without a password gets it
 * in its user info (percent-encoded), a config without `password` gets the field. A spec that
 * already has one keeps it; catalog connections keep their sealed one.
 */
export function withPassword(spec: ConnectionSpec, side: Side, o: PasswordOptions, env: NodeJS.ProcessEnv = process.env): ConnectionSpec {
  const given = passwordFor(side, o, env);
  if (!given || 'connectionId' in spec || 'sealed' in spec) return spec;
  if ('config' in spec) return spec.config.password ? spec : { config: { ...spec.config, password: given.password } };
  if (urlPassword(spec.url) !== null) return spec;
  const scheme = /^[a-z][a-z0-9+.-]*:\/*/i.exec(spec.url)!;
  const at = spec.url.lastIndexOf('@');
  if (at < scheme[0].length) {
    throw new UsageError(`the ${side} URL names no user: write it as engine://USER@host/database for the password from ${given.from} to apply`);
  }
  const userEnd = spec.url.indexOf(':', scheme[0].length) === at - 1 ? at - 1 : at; // `user:@host`: an empty password
  return { url: spec.url.slice(0, userEnd) + ':' + encodeURIComponent(given.password) + spec.url.slice(at) };
}
